"""The fiche's French prose: the seeds' texts, adapted to a département, a région or France and
to the period shown, and the seeds' resources as links.

Functions here return strings or ``Block``s; the figures, totals and key figures are put
together by ``core.fiche.build``. The methodological caveats come from ``core.texts``
(``METHODOLOGY``), the one source of that text for the pages and the fiche.
"""

from __future__ import annotations

from core import texts
from core.db import Catalog
from core.fiche.model import Block, Span, bullets, paragraph
from core.texts import FLOW_NOUNS, METHODOLOGY, METHODOLOGY_SCOPE

KICKER = texts.title("Les indicateurs clés : commerce extérieur")
DEMO_NOTE = (
    "Données de démonstration : chiffres générés pour illustrer l'outil, calibrés sur les "
    "totaux publiés pour 2024 mais fictifs dans le détail. Ce ne sont pas des statistiques "
    "officielles."
)

# The seeds' resources. The seeds' own links to the portraits and to the press kit did not
# survive their text extraction: those two point to the ANCT's site, where both are published.
ANCT_SITE = "https://anct.gouv.fr/"
ANCT_NEWS = "https://anct.gouv.fr/actualites"
DGE_NEWS = "https://www.entreprises.gouv.fr/la-dge/actualites"
DGDDI_OPEN_DATA = "https://www.douane.gouv.fr/la-douane/opendata"
DGDDI_KIOSQUE = "https://lekiosque.finances.gouv.fr/"
CONTACT_EMAIL = "territoires-industrie@anct.gouv.fr"
SEED_LINKS = (
    ANCT_SITE,
    ANCT_NEWS,
    DGE_NEWS,
    DGDDI_OPEN_DATA,
    DGDDI_KIOSQUE,
    f"mailto:{CONTACT_EMAIL}",
)

# Grammar of the territory in the seeds' sentences.
WORDS = {
    "departement": {
        "of": "du département",
        "from": "depuis le département",
        "into": "dans le département",
        "scale": "départementale",
    },
    "region": {
        "of": "de la région",
        "from": "depuis la région",
        "into": "dans la région",
        "scale": "régionale",
    },
    "france": {
        "of": "de la France",
        "from": "depuis la France",
        "into": "en France",
        "scale": "nationale",
    },
}


def source_note(catalog: Catalog) -> str:
    if catalog.is_demo:
        return DEMO_NOTE
    files = catalog.metadata.get("files") or []
    names = ", ".join(str(f) for f in files) if files else "fichiers officiels"
    return f"Données officielles DGDDI ({names})."


def heading(kind: str, name: str) -> str:
    if kind == "region":
        return f"Territoires d'industrie — {name} (région)"
    if kind == "france":
        return "Territoires d'industrie — France entière"
    return f"Territoires d'industrie — {name}"


def introduction(kind: str) -> tuple[Block, ...]:
    scale = {
        "departement": "un regard départemental, l'échelon le plus fin disponible",
        "region": "un regard régional, complété par celui de ses départements",
        "france": "la référence nationale à laquelle se comparent les fiches départementales",
    }[kind]
    return (
        paragraph(
            "Le programme Territoires d'industrie, copiloté par l'Agence nationale de la "
            "cohésion des territoires (ANCT) et la Direction générale des entreprises (DGE), a "
            "publié en octobre 2024, avec l'Insee, une première série de portraits "
            "socio-économiques des territoires. Des publications thématiques les prolongent "
            "désormais, sur les enjeux identifiés localement ; celle-ci porte sur le commerce "
            "extérieur de biens, au cœur de l'actualité économique."
        ),
        paragraph(
            "Le commerce extérieur est le plus souvent commenté à l'échelle nationale. Cette "
            f"fiche propose {scale}, à travers une sélection d'indicateurs et d'infographies "
            "établis à partir des statistiques des Douanes."
        ),
    )


def no_territoire(kind: str) -> str:
    where = "ce département" if kind == "departement" else "cette région"
    return (
        "Aucun Territoire d'industrie ne compte au moins 5 communes ou 20 % de sa population "
        f"dans {where}."
    )


def context(period_label: str, is_demo: bool) -> tuple[Block, ...]:
    blocks = [
        Block("subheading", "Contexte"),
        paragraph(
            "Le commerce mondial se transforme en profondeur : l'ouverture des industries aux "
            "échanges et l'évolution de la nature des flux exposent les territoires à des "
            "menaces nouvelles, mais aussi à de nouvelles opportunités."
        ),
        paragraph(
            "Depuis le début de 2025, les menaces de hausse des droits de douane venues des "
            "États-Unis ont ravivé les tensions commerciales internationales. L'incertitude "
            "grandit pour les industriels, qui s'interrogent sur leur exposition aux chaînes de "
            "valeur mondiales et sur leurs dépendances, à l'import comme à l'export. Beaucoup "
            "cherchent à diversifier leurs partenaires, à sécuriser leurs approvisionnements et "
            "à saisir de nouveaux débouchés pour s'adapter à des échanges en recomposition."
        ),
        paragraph(
            "La traduction territoriale de ces évolutions reste pourtant peu étudiée. À partir "
            f"des données douanières de {period_label}, cette fiche dresse un état des lieux : "
            "principales activités exportatrices et importatrices, pays partenaires les plus "
            "importants, et position du territoire par rapport à sa région et à la France."
        ),
        paragraph(
            "Les Territoires d'industrie y trouvent un outil de lecture pour mieux situer leur "
            "place dans les échanges internationaux dans le contexte économique actuel."
        ),
        Block("subheading", "Précisions méthodologiques"),
        paragraph(
            "Les infographies donnent des ordres de grandeur des grands équilibres actuels, "
            "avec certaines limites :"
        ),
        bullets(*METHODOLOGY),
        paragraph(
            "Les infographies reposent sur les statistiques départementales et régionales du "
            f"commerce extérieur de {period_label}, établies par la Direction générale des "
            "douanes et droits indirects (DGDDI) et publiées en données ouvertes (",
            Span("douane.gouv.fr/la-douane/opendata", DGDDI_OPEN_DATA),
            ") : " + METHODOLOGY_SCOPE[0].lower() + METHODOLOGY_SCOPE[1:],
        ),
    ]
    if is_demo:
        blocks.append(Block("note", DEMO_NOTE))
    return tuple(blocks)


def balance_intro(kind: str) -> Block:
    return paragraph(
        "Cette première infographie présente les principaux pays partenaires commerciaux "
        f"{WORDS[kind]['of']}, en réunissant les dix premiers pays à l'import et les dix "
        "premiers à l'export. Cette vue d'ensemble permet d'apprécier les grands équilibres "
        "des échanges du territoire avec l'extérieur."
    )


def balance_key() -> Block:
    return paragraph(
        "pour chaque pays, figurent à gauche le montant des importations et à droite celui des "
        "exportations, en millions d'euros. Leur différence constitue la balance commerciale, "
        "indiquée en rouge ou en vert selon qu'elle est négative ou positive, et écrite dans "
        "la colonne « Solde ».",
        label=texts.title("Clé de lecture :"),
    )


def activities_intro(kind: str, level: str) -> Block:
    words = WORDS[kind]
    return paragraph(
        "Le graphique suivant représente les principales activités concernées par les "
        f"échanges internationaux à l'échelle {words['scale']}. Figurent en bleu les biens "
        f"importés {words['into']}, en violet les biens exportés {words['from']}. L'aire de "
        "chaque compartiment est proportionnelle à la valeur du bien dans son flux, ce qui fait "
        "ressortir les principales activités à l'import et à l'export, ainsi que la balance "
        f"globale. Produits au {texts.LEVEL_WORDS[level]} ; les plus petits sont regroupés "
        "dans « Autres » pour rester lisibles."
    )


def flows_intro(flow: str, kind: str) -> Block:
    words = WORDS[kind]
    if flow == "export":
        return paragraph(
            "Pour aller plus loin, le graphique suivant représente les flux d'exportations "
            "(quel produit est exporté vers quel pays). Y figurent les dix premiers biens "
            f"exportés {words['from']} et les dix principaux pays acheteurs ; la catégorie "
            "« Autres » regroupe les biens et les pays au-delà de ces dix premiers. Pour "
            "faciliter la lecture, les cinq principaux flux (tel produit vers telle "
            "destination) sont tracés en rouge."
        )
    return paragraph(
        "De la même manière, le graphique suivant représente les flux d'importations (quel "
        "pays vend quel produit). Y figurent les dix principaux pays vendeurs et les dix "
        f"premiers biens importés {words['into']} ; la catégorie « Autres » regroupe les pays "
        "et les biens au-delà de ces dix premiers. Pour faciliter la lecture, les cinq "
        "principaux flux (telle origine pour tel produit) sont tracés en rouge."
    )


def flows_legend(flow: str, kind: str) -> Block:
    words = WORDS[kind]
    if flow == "export":
        return paragraph(
            f"Figurent à gauche les principaux biens exportés {words['from']}, à droite les "
            "pays de destination ; chaque libellé porte sa valeur."
        )
    return paragraph(
        "Figurent à gauche les principaux pays d'origine, à droite les biens importés "
        f"{words['into']} ; chaque libellé porte sa valeur."
    )


def comparison(flow: str, kind: str, with_region: bool) -> Block:
    """The seeds' « … représentée page précédente … » on paper; on screen, where there are no
    pages, the sentence names the section instead."""
    compared = "de la région et du pays" if with_region else "du pays"
    situation = f"La situation {WORDS[kind]['scale']} des {FLOW_NOUNS[flow]}"
    section = "Exportations" if flow == "export" else "Importations"
    return Block(
        "paragraph",
        f"{situation}, représentée ci-dessus (section « {section} »), peut être comparée à "
        f"celle {compared} :",
        print_text=f"{situation} représentée page précédente peut être comparée à celle "
        f"{compared} :",
    )


def practical(catalog: Catalog) -> tuple[Block, ...]:
    return (
        paragraph(
            "Ce document dresse un état des lieux territorialisé du commerce extérieur, à "
            "l'intention des acteurs locaux, dans un contexte douanier en forte évolution."
        ),
        paragraph(
            "Pour en savoir plus sur les caractéristiques socio-économiques de vos Territoires "
            "d'industrie, une série de portraits a été publiée en octobre 2024 :"
        ),
        bullets(
            (
                "Portraits socio-économiques des Territoires d'industrie, sur le site de l'ANCT : ",
                Span("anct.gouv.fr", ANCT_SITE),
            )
        ),
        paragraph(
            "Pour en savoir plus sur le programme Territoires d'industrie, la synthèse présentée "
            "lors de sa dernière Assemblée générale récapitule les actions en cours et les "
            "perspectives pour 2025 :"
        ),
        bullets(
            (
                "Dossier de presse de la dernière Assemblée générale, sur le site de l'ANCT : ",
                Span("anct.gouv.fr", ANCT_SITE),
            )
        ),
        paragraph(
            "Enfin, vous pouvez contacter le programme Territoires d'industrie au niveau "
            "national à l'adresse ",
            Span(CONTACT_EMAIL, f"mailto:{CONTACT_EMAIL}"),
            ".",
        ),
        Block("subheading", "Pour aller plus loin"),
        bullets(
            ("Retrouvez l'actualité de l'ANCT : ", Span(ANCT_NEWS, ANCT_NEWS)),
            ("Retrouvez l'actualité de la DGE : ", Span(DGE_NEWS, DGE_NEWS)),
            (
                "Les données du commerce extérieur en open data (DGDDI) : ",
                Span(DGDDI_OPEN_DATA, DGDDI_OPEN_DATA),
            ),
            (
                "Le chiffre du commerce extérieur (DGDDI) : ",
                Span(DGDDI_KIOSQUE, DGDDI_KIOSQUE),
            ),
        ),
        Block("note", source_note(catalog)),
    )
