"""French benchmark sentences: rich in P B M, F V, rounded vowels (u, o, eu, ou) and pauses."""

from __future__ import annotations

SENTENCES = (
    "Papa boit un bon café au lait, le matin.",
    "Le beau bateau bleu flotte sur le fleuve.",
    "Marie veut voir le film avec ses amis.",
    "Pierre a perdu ses bottes dans la boue.",
    "Une pomme, un pain, et un peu de beurre, s'il vous plaît.",
    "Nous voulons vivre au bord du lac.",
    "Le pauvre bébé pleure, puis il s'endort.",
    "Vous avez vu le loup, au fond du bois?",
    "Le professeur ouvre la fenêtre pour voir le mur.",
    "Mon oncle fume une pipe au bout du port.",
    "Beaucoup de fleurs poussent au bord de la route.",
    "Bonjour, Madame, voulez-vous une boisson fraîche?",
    "Le boulanger a fait vingt baguettes ce matin.",
    "Le pompier a sauvé un vieux mouton.",
    "Où sont mes souliers bleus, et mon beau manteau?",
    "Victor part en voyage à Bordeaux, puis à Bruxelles.",
)
