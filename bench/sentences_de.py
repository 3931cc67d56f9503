"""German benchmark sentences: rich in P B M, pf, F V W (w is labiodental), ü ö u o and pauses."""

from __future__ import annotations

SENTENCES = (
    "Der Pfarrer kauft fünf Pfund Pflaumen auf dem Markt.",
    "Warum wohnen wir nicht im Wald, bei den Wölfen?",
    "Meine Mutter backt morgens Brot und Apfelkuchen.",
    "Über die Brücke fuhr ein blauer Bus nach Bremen.",
    "Böse Buben werfen bunte Bälle über die Mauer.",
    "Der Koch öffnet die Tür und schöpft warme Suppe.",
    "Viele Vögel fliegen früh am Morgen über das Moor.",
    "Papa hat vier Pferde, und fünf müde Kühe.",
    "Wir wollen Wasser, Wein, und ein Stück Obst.",
    "Bitte bring mir die Pfeife und das blaue Buch.",
    "Im Sommer schwimmen wir oft im Bodensee.",
    "Die Möwe flog hoch, dann fiel sie plötzlich herab.",
    "Mein Onkel Paul baut ein Boot aus Holz.",
    "Fünfzig Pfennig für ein Pfund Butter, bitte.",
    "Hupen, brummen, pfeifen: die Stadt wird wach.",
    "Warme Würstchen mit Senf schmecken wunderbar.",
)
