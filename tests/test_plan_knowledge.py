"""The campaign planner's knowledge base: every tip of the sources is represented, bilingual, valid."""

from __future__ import annotations

import pytest

from antena.plan.knowledge import KnowledgeError, load_knowledge
from tests.conftest import FIXTURES, shared_path

# A few words of each tip of the MARRI toolbox ("Minors at risk of cyber trafficking", section Tips),
# in source order, then of the article (what works online) and the report's recommendations.
MARRI_TIPS = [
    'get in touch with them at risk place',  # 1
    'endorse celebrities or Tik Tok influencers',  # 2
    'photos, videos, animations, comics',  # 3
    'comic books in hard copy at schools',  # 4
    'influencers can be perfect messengers',  # 5
    'Ads in video games',  # 6
    'Role plays in schools and kindergartens',  # 7
    'Short, simple, and clear video or cartoon',  # 8
    'peer to peer educational workshops',  # 9
    'Share testimonials. Use influencers.',  # 10
    'organizing sport days',  # 11
    'Organise school excursions',  # 12
    'youth associations, as well as NGOs dealing with youth',  # 13
    'such as an offline chat room',  # 14
    'social media campaigns linked to such public events',  # 15
    'promote more parental supervision',  # 16
    'Educate parents on how to track',  # 17
    'celebrate family gatherings/holidays in a proactive way',  # 18
    'discuss different approaches to the issue',  # 19
    'raising awareness through informal education',  # 20
    'Inform and educate in informal meetings',  # 21
    'participation of psychologists and educators',  # 22
    'workshops for people working with minors',  # 23
    'Produce promotional materials for parents',  # 24
    'Produce TV materials',  # 25
    'Train the trainer workshop',  # 26
    'encourage educators to openly communicate',  # 27
    'Create tutorials on social media platforms',  # 28
    'workshops or counselling for parents',  # 29
    'raise awareness among teachers and educators',  # 30
    'Educate teachers on how to provide orientation',  # 31
    'discuss the current curriculum and school practices',  # 32
    'in the formal and informal education',  # 33
    'recommendations for a joint policy brief',  # 34
    'psychologists and relevant authorities',  # 35
    'inform NGO workers on this topic',  # 36
    'Encourage establishments of NGO networks',  # 37
    'supporting systems for parents',  # 38
    'Create with partners Country fact sheet',  # 39
    'part of other socio-economic projects',  # 40
    'general focus on children',  # 41
    'Children’s Day',  # 42
    'Create a brief',  # 43
    'Use CSOs relations and communication channels',  # 44
    'experts, media, school personnel and parents',  # 45
    'efficiency of peer education',  # 46
    'Network with other CSOs.',  # 47
    'IT and gaming industry',  # 48
    'Create a draft position paper',  # 49
    'continuous presence in media',  # 50
    'Use storytelling concept.',  # 51
    'relevant source studies and reports data',  # 52
    'Show contexts and causes',  # 53
    'youngsters in particular',  # 54
    'Promotional materials (brochures, leaflets, flyers, badges)',  # 55
    'enhancing emotional involvement',  # 56
    'post offices, shopping malls, health care centres',  # 57
    'engagement of celebrities to spread the message',  # 58
    'Illustrative billboards or posters in buses',  # 59
    'street or on-line events',  # 60
    'simple dos and don',  # 61
    'Spread call to action messages.',  # 62
    'park benches, city lights',  # 63
    'emotional identification, move people to action',  # 64
    'promotes positive behaviour',  # 65
    'responsible use of the Internet',  # 66
    'via their own channels',  # 67
    'Promote the position paper and policy brief',  # 68
    'Organize trainings for media representatives',  # 69
    'Root causes should be addressed',  # 70
    'If you have newsworthy cause',  # 71
    'Use ambassadors to get media attention.',  # 72
    'educate journalist by presenting the context',  # 73
    'storytelling techniques in your presentations',  # 74
    'Educate media to promote campaign',  # 75
    'alarming studies and research data',  # 76
    'Share testimonials but offer solutions',  # 77
    'Organize briefings',  # 78
    'presentation of Country fact sheet/topic brief',  # 79
    'law experts, academia representatives',  # 80
    'Offer international law best practices',  # 81
    'gather them to work together in working groups',  # 82
    'Advocacy/lobbying approach',  # 83
    'Invest in long-term relationships',  # 84
    'Organise large-scale conferences',  # 85
    'make these activities known to the general public',  # 86
    'profile of perpetrator',  # 87
    'potential decrease of costs',  # 88
    'coalitions and lobbying groups',  # 89
    'Invite public institution representatives',  # 90
    'communicate international best practices',  # 91
    'in the process of creating policy brief',  # 92
    'further modalities of cooperation',  # 93
    'Organise a presentation of defined position papers',  # 94
    'Propose the establishment of the working groups',  # 95
]
OTHER_TIPS = {
    "article": [
        'Help me help my friend in D.C',
        '250 Malagasy Facebook groups',
        'flooding big companies with tweets',
        'signing online petitions',
        'sharing awareness-raising videos and images',
        'personal photos, addresses and phone numbers',
        'offering her a place to stay',
    ],
    "report": [
        'before, during, and after implementing',
        'corporate social responsibility',
        'Align the efforts of anti-trafficking agencies',
    ],
}
SEEDS = {"marri": "001_1f7c7e68e4cd91c3.txt", "article": "002_c82df1ef43d283ea.txt", "report": "000_1b6b8ea909a3b8e6.txt"}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def test_every_marri_tip_is_represented_at_its_place(kb):
    marri = [t for t in kb.tips if t.source.get("doc") == "marri"]
    assert len(MARRI_TIPS) == 95
    assert len(marri) >= len(MARRI_TIPS)
    by_item = {t.source["item"]: t for t in marri}
    for item, snippet in enumerate(MARRI_TIPS, 1):
        tip = by_item.get(item)
        assert tip is not None, f"source tip {item} ({snippet!r}) is missing"
        assert tip.quote == snippet
        assert tip.source["section"] == "Tips" and len(tip.source["cell"]) == 2
        assert tip.groups and tip.objectives and tip.tools, tip.id


def test_article_and_report_tips_are_represented(kb):
    for doc, snippets in OTHER_TIPS.items():
        quotes = {t.quote for t in kb.tips if t.source.get("doc") == doc}
        assert set(snippets) <= quotes, doc
    assert any("250" in t.text["en"] for t in kb.tips if t.source.get("doc") == "article")


def test_source_documents_match_the_snippets():
    """When ../shared is present: each bullet of the source's Tips holds the snippet of its item."""
    folder = shared_path("seeds")
    text = (folder / SEEDS["marri"]).read_text(encoding="utf-8")
    tips_section = text.split("\nTips\n", 1)[1].split("\nBest Practice", 1)[0]
    bullets = [line for line in tips_section.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(MARRI_TIPS)
    for item, (bullet, snippet) in enumerate(zip(bullets, MARRI_TIPS, strict=True), 1):
        assert snippet in bullet, f"item {item}: {snippet!r} not in {bullet[:60]!r}"
        assert sum(snippet in b for b in bullets) == 1, f"snippet {snippet!r} is ambiguous"
    for doc in ("article", "report"):
        source = (folder / SEEDS[doc]).read_text(encoding="utf-8")
        for snippet in OTHER_TIPS[doc]:
            assert snippet in source


def test_every_text_is_in_spanish_and_english(kb):
    for tip in kb.tips:
        assert tip.text["es"] and tip.text["en"] and tip.text["es"] != tip.text["en"], tip.id
    for tool in kb.tools.values():
        assert tool.name["es"] and tool.name["en"], tool.id
    for group in kb.groups.values():
        assert group["message"]["es"] and group["message"]["en"]


def test_every_pair_has_direct_tips(kb):
    for group in kb.groups:
        for objective in kb.objectives:
            assert any(group in t.groups and objective in t.objectives and t.tools for t in kb.tips), (group, objective)


def test_issue_ids_and_tools_exist(kb):
    assert list(kb.groups) == ["children", "parents", "educators", "ngos", "public", "media", "decision-makers"]
    assert list(kb.objectives) == ["inform", "educate", "change-behaviour", "discussion", "policy"]
    for tool in ("press-release", "interview", "press-conference", "tv-radio-spot", "social-media", "influencers",
                 "film-video", "comics", "printed-material", "workshops", "peer-education", "role-plays",
                 "public-events", "public-debates", "out-of-home", "position-paper", "fact-sheet", "trainings",
                 "coalitions", "group-messaging", "petitions", "tweet-campaigns", "crowdsourcing"):
        assert tool in kb.tools


def test_organisation_file_merges():
    kb = load_knowledge([FIXTURES / "plan" / "org_toolbox.yaml"])
    assert kb.tools["radio-comunitaria"].origin == "Red Esperanza <b>NGO</b>"
    assert kb.tools["tv-radio-spot"].cost == "low" and kb.tools["tv-radio-spot"].amount == 1500
    assert any(t.id == "org-radio-01" for t in kb.tips)
    assert len(kb.partners) == 2


@pytest.mark.parametrize("body, message", [
    ("tips:\n  - id: x\n    text: hi\n    groups: [kids]\n    objectives: [inform]\n", "unknown group kids"),
    ("tools:\n  - id: new-tool\n    cost: cheap\n", "tools[0].cost"),
    ("tips:\n  - id: marri-01\n    text: hi\n    groups: [public]\n    objectives: [inform]\n", "already exists"),
    ("costs:\n  nothing: low\n", "unknown tool"),
])
def test_invalid_organisation_file_is_named(tmp_path, body, message):
    path = tmp_path / "org.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(KnowledgeError, match="org.yaml") as exc:
        load_knowledge([path])
    assert message in str(exc.value)
