"""Spanish benchmark sentences: rich in P B M, F, rounded vowels (u, o) and pauses.

Between vowels Spanish b and v are approximants (the lips narrow but do not close);
``bench.multilingual`` labels espeak's β accordingly, so only true stops count as closures.
"""

from __future__ import annotations

SENTENCES = (
    "Pablo bebe poco, pero fuma mucho.",
    "Mi madre compró un vestido muy bonito.",
    "Mañana vamos a la playa en barco.",
    "El perro pequeño bebe agua de un plato.",
    "Buenos días, profesor, ¿puedo pasar?",
    "Un buen hombre vive en el pueblo.",
    "Felipe fue a Bogotá para ver a su abuelo.",
    "Me gusta el fútbol, pero prefiero el boxeo.",
    "Hoy hace un viento fuerte en el puerto.",
    "Las mujeres compraron uvas, peras y manzanas.",
    "En verano, mi familia va al campo.",
    "Pon la botella en la mesa, por favor.",
    "El muchacho busca su pelota azul.",
    "Mucho humo sube por encima del bosque.",
    "Pedro, pon el pan en la bolsa.",
    "Una oveja blanca come hierba en el monte.",
)
