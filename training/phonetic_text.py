"""Training text for the phonetic recognizer: word lists per language, random pseudo-sentences.

The words are chosen to hold plenty of lip closures (p b m), lip-on-teeth sounds (f v),
rounded vowels (u o ü ö w) and open vowels (a), next to everything else.
"""

from __future__ import annotations

import random

WORDS: dict[str, str] = {
    "en": """papa mama baby bob pop map mop bump jump pump maybe number member remember
        five very fun fifty heavy of off move love leave voice phone wave fish coffee
        who you two shoe blue moon food soon room boot woman would wood good book cook
        go no show over open boat road slow only old cold ball call all law saw thought
        father car hard large star part box stop top hot not what water want
        cat bad man map hand back black apple happy after
        up cut but love mother money come some butter
        time my five mind night high eye out now how about house mouse down
        see me be tea tree sit this ship chip cheese think then the and that
        little light look like lots told sell tell listen question yes today
        where were work word world warm wish with way away window wonderful""",
    "de": """Papa Mama Baum Bumm Bombe Puppe Mappe Lampe Lippe Oper Oper bitte Probe
        Blume Morgen Mittag Mutter Vater fahren Vogel vier fünf viel Feuer Fisch Affe
        Wasser Wolke Wagen wo wer was warum Woche wunderbar Uhr gut Buch Fuß Zug Kuh
        Schule Mond Sohn Boot rot groß Ofen oben Ohr Brot schön hören Öl Möbel Töne
        über Tür müde Bücher Brücke fünf grün Frühling Glück natürlich Straße Hand
        Katze Garten lachen machen alle Abend Nacht Tag haben Sache Apfel Ball
        Zeit mein Ei Haus Maus laut auch Frau Eule heute neu Leute sie die Licht
        ich nicht sprechen Kirche Stuhl Tisch Stein kein Regen denn Lehrer Sprache""",
    "fr": """papa maman pomme pain beau bon bien bébé pomme mouton mer mère main mon
        fou fille femme vous voilà vin vert voiture faire fleur feu café fort
        où tout doux nous vous jour rouge bouche bouton loup route trou sous pour
        oui nuit lui huit puis pluie eau beau mot gros dos rose chose pot bateau
        deux peu feu heureux jeune fleur sœur peur cœur œuf vue rue plus lune tu sur
        chat la ma ta va pas table arbre gare salade matin madame ami
        dire petit ici si livre lit midi rien chien demain parler chanter
        le de ce que quelle elle belle tête fête merci vraiment enfant bonjour""",
    "es": """papá mamá bebé boca bueno bien bonito mapa mesa mano mujer mundo pan pobre
        fuego fácil familia feliz favor vaca vino verde vivir vamos nuevo
        uno usted luna mucho dulce fruta grupo azul tú su nube pulpo
        ojo todo como poco loco bonito rojo sol dos ocho hombre corazón
        casa gato agua mañana ayer padre madre hablar cantar tarde plaza
        el que de en es pero perro tres siempre tener leche noche hoy muy
        sí aquí amigo libro camino rico chico cinco cielo gente""",
    "it": """papà mamma bambino bello bene buono pane pomodoro mare molto amore tempo
        fare fiore fuoco festa vino vita vedere nuovo ventuno favola
        uno tutto luna tu sul più fumo lungo uva
        no poco sole nome come voglio oro cosa notte domani porta
        casa pasta gatto acqua parlare cantare grande ragazza strada
        che ci di e è sei tre sempre cielo gente dieci quindici leggere""",
    "nl": """papa mama boom bom pop mooi maan melk molen pijp appel
        vader fiets vijf vis vier water wel wij weg wind wonen
        boek goed zoet voet doen nu uur huis muur duur vuur
        boot rood groot brood oog zon boom kop ook
        dag kat man haar straat praten maken
        een het de is en niet zien kijken dit dat zeggen lief licht""",
    "pl": """papa mama baba bo pomoc pies mapa most morze mleko miasto brat
        fala woda wino wszystko wiem wolno kawa słowo
        muzyka but dobry buty kupić duży ulica u sumy
        okno dom pokój ogród koło szkoło oko noc
        matka tata mała sala dać znać pani
        jest się nie to tak czy szybko dzień cześć""",
    "pt": """papai mamãe bola bom bem pai mãe mapa pombo pomba bebê barco
        fogo foto vida vinho verde vamos favor fácil café
        uva tudo rua lua azul muito sul um
        ovo olho novo povo porta sol dois noite
        casa agua mar falar cantar amanhã amigo
        que de é e sim até cidade dizer gente tempo""",
}

LANGUAGES = tuple(WORDS)


def words(language: str) -> list[str]:
    return WORDS[language].split()


def sentence(language: str, rng: random.Random) -> str:
    """A pseudo-sentence of 3–12 random words, with a comma now and then."""
    pool = words(language)
    count = rng.randint(3, 12)
    chosen = [rng.choice(pool) for _ in range(count)]
    if count > 5 and rng.random() < 0.5:
        chosen[rng.randint(2, count - 2)] += ","
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + rng.choice([".", ".", "!", "?"])
