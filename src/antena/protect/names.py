"""Common given names (Spanish- and English-speaking countries of the project), used to find
person names of private individuals in texts shown to people. A name is redacted when a given
name from this list is followed by one or more capitalised words (a surname): "Ana Sofía Ramírez
López" -> "[name]". A single given name alone is kept (too many false positives: "Ángel", "Luz",
"Rosario", "Guadalupe" are also words and places). Written for Antena; not taken from a dataset.
"""

from __future__ import annotations

GIVEN_NAMES = frozenset("""
abigail abraham adela adrián adriana agustín alan alberto alejandra alejandro alexa alexander alexis
alfonso alfredo alicia alma amanda amelia ana andrea andrés ángel ángela angélica antonio arely
ariadna ariana armando arturo aurora axel beatriz benjamín bernardo blanca brenda brian camila
carla carlos carmen carolina catalina cecilia cesar césar christian cinthia citlali claudia concepción
cristian cristina cynthia dafne daniel daniela david delia diana diego dolores dulce edgar eduardo
elena elizabeth elsa emiliano emilio emily emma enrique erick ernesto esmeralda esperanza esteban
estefanía estela eugenia eva evelyn fabiola fátima federico felipe fernanda fernando francisco
gabriel gabriela gael georgina gerardo germán gilberto gisela gloria graciela gregorio guadalupe
guillermo gustavo héctor hilda hugo ignacio irene iris isaac isabel isabella itzel iván jacqueline
jaime janet javier jazmín jennifer jessica jesús jimena joaquín jonathan jorge josé josefina juan
juana julia julián juliana julio karen karina karla kevin laura leonardo leticia lilia liliana
lizbeth lorena lorenzo lucía luis luisa luz manuel marcela marco marcos margarita maría mariana
mario marisol marta martha martín mateo matías mauricio maximiliano mayra melissa mercedes miguel
milagros miriam mónica nancy natalia nayeli nicolás noemí norma octavio olga omar oscar óscar pablo
paola patricia paula pedro perla rafael ramón raquel raúl rebeca regina renata ricardo roberto
rocío rodrigo rogelio rosa rosario rubén ruth samuel sandra santiago sara sebastián sergio silvia
sofía sonia susana teresa tomás valentina valeria vanessa verónica vicente víctor victoria
viridiana ximena yadira yolanda yesenia zoe
john james robert michael william mary patricia jennifer linda elizabeth barbara susan jessica
sarah karen nancy lisa betty sandra ashley kimberly donna emily michelle carol amanda melissa
deborah stephanie rebecca laura sharon cynthia kathleen amy shirley angela helen anna brenda
pamela nicole samantha katherine christine debra rachel olivia sophia ava mia charlotte harper
evelyn abigail ella scarlett grace chloe lily madison joseph thomas charles christopher matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
jason jeffrey ryan jacob gary nicholas eric stephen larry justin scott brandon benjamin frank
gregory raymond patrick jack dennis jerry tyler aaron henry douglas peter adam nathan zachary
walter kyle harold carl jeremy keith roger gerald ethan arthur terry christian sean lawrence
austin joe noah jesse albert bryan billy bruce willie jordan dylan alan ralph gabriel roy juan
wayne eugene logan randy louis russell vincent philip bobby johnny bradley liam lucas oliver
""".split())
