"""The phonetic knowledge behind the curves, as data: each phone's articulatory targets.

One row per ARPAbet phone and SIL, one column per mouth parameter (``MOUTH_PARAMETERS``,
abbreviated below), values 0..1. A value marked ``!`` is critical for the phone: it pulls
with full dominance (Cohen–Massaro); unmarked values yield to critical neighbours, so e.g.
the rounding of UW spreads onto an S before it. Diphthongs hold their onset target and
glide to an offglide phone; transparent phones (HH) take the target of the phone after.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mundwerk.core.curves import MOUTH_PARAMETERS
from mundwerk.core.phones import SILENCE, VOWELS

# phone  jaw   close funnel pucker stretch press uppUp lowDn rollLo rollUp smile tongue
_TABLE = """
SIL     .02   1     0     0     0     0     0     0     0     0     0     0
P       .05!  1!    0     0     0     .4!   0     0     .1    .1    0     0
B       .05!  1!    0     0     0     .25!  0     0     .1    .1    0     0
M       .05!  1!    0     0     0     .15!  0     0     .05   .05   0     0
F       .08!  0!    0     0     0     0     .2!   0     .5!   0     0     0
V       .08!  0!    0     0     0     0     .15!  0     .45!  0     0     0
TH      .12!  0     0     0     0     0     0     .1    0     0     0     .4!
DH      .12!  0     0     0     0     0     0     .1    0     0     0     .4!
T       .1!   0     0     0     .1    0     0     0     0     0     0     1!
D       .1!   0     0     0     .1    0     0     0     0     0     0     1!
N       .1!   0     0     0     0     0     0     0     0     0     0     1!
L       .2!   0     0     0     0     0     0     .1    0     0     0     1!
S       .05!  0     0     0     .3!   0     .05   .05   0     0     .1    .6
Z       .05!  0     0     0     .3!   0     .05   .05   0     0     .1    .6
SH      .08!  0     .5!   .25   0     0     .2    .15   0     0     0     .5
ZH      .08!  0     .5!   .25   0     0     .2    .15   0     0     0     .5
CH      .08!  0     .45!  .2    0     0     .15   .1    0     0     0     .8!
JH      .08!  0     .45!  .2    0     0     .15   .1    0     0     0     .8!
K       .15!  0     0     0     0     0     0     0     0     0     0     0!
G       .15!  0     0     0     0     0     0     0     0     0     0     0!
NG      .12!  0     0     0     0     0     0     0     0     0     0     0!
HH      .2    0     0     0     0     0     0     0     0     0     0     0
R       .12!  0     .3!   .3!   0     0     0     0     0     0     0     .2
W       .08!  0     .35!  .9!   0     0     0     0     0     0     0     0
Y       .1!   0     0     0     .3!   0     0     0     0     0     .25   0
AA      .7!   0     0     0     0     0     .1    .3    0     0     0     0
AE      .55!  0     0     0     .3    0     .2    .3    0     0     .1    0
AH      .45!  0     0     0     0     0     0     .15   0     0     0     0
AO      .55!  0     .45!  .15   0     0     0     .1    0     0     0     0
AW      .65!  0     0     0     0     0     .1    .3    0     0     0     0
AY      .65!  0     0     0     .1    0     .1    .3    0     0     0     0
EH      .4!   0     0     0     .25   0     .1    .2    0     0     0     0
ER      .2!   0     .35!  .25   0     0     .1    0     0     0     0     .2
EY      .4!   0     0     0     .3    0     .1    .2    0     0     .1    0
IH      .2!   0     0     0     .35!  0     .1    0     0     0     .2    0
IY      .12!  0     0     0     .45!  0     .15   0     0     0     .35   0
OW      .35!  0     .6!   .25   0     0     0     0     0     0     0     0
OY      .5!   0     .5!   .2    0     0     0     .1    0     0     0     0
UH      .2!   0     .3!   .45!  0     0     0     0     0     0     0     0
UW      .12!  0     .45!  .9!   0     0     0     0     0     0     0     0
"""

#: Dominance of a critical value, and of an unmarked one by the phone's class.
CRITICAL_DOMINANCE = 1.0
VOWEL_DOMINANCE = 0.5
CONSONANT_DOMINANCE = 0.1
SILENCE_DOMINANCE = 0.6

#: Time constants (ms) of each parameter's dominance decay before a phone (anticipation)
#: and after it (carry-over): a logistic cross-fade spans about 4.4 of them.
TIME_CONSTANTS_MS: dict[str, tuple[float, float]] = {
    "jaw_open": (12, 10),
    "lip_close": (10, 8),
    "lip_funnel": (14, 10),
    "lip_pucker": (14, 10),
    "lip_stretch": (10, 9),
    "lip_press": (9, 7),
    "upper_lip_raise": (10, 9),
    "lower_lip_drop": (10, 9),
    "lower_lip_roll": (9, 7),
    "upper_lip_roll": (9, 7),
    "lip_smile": (11, 9),
    "tongue_tip_up": (8, 7),
}

#: The mouth moves this much ahead of the sound (never behind it); at most 40 ms.
LEAD_MS = 20

#: Phones whose lips must meet, however short.
BILABIALS = frozenset({"P", "B", "M"})

#: Diphthong → (offglide phone, share of the duration it takes at the end).
OFFGLIDES: dict[str, tuple[str, float]] = {
    "AY": ("IH", 0.4),
    "AW": ("UH", 0.4),
    "EY": ("IY", 0.35),
    "OY": ("IY", 0.4),
    "OW": ("UW", 0.35),
}

#: Phones with no mouth shape of their own: they take the next phone's.
TRANSPARENT = frozenset({"HH"})


def _parse() -> tuple[tuple[str, ...], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    symbols, targets, dominance = [], [], []
    for line in _TABLE.strip().splitlines():
        symbol, *cells = line.split()
        if len(cells) != len(MOUTH_PARAMETERS):
            raise ValueError(f"target row {symbol} has {len(cells)} values")
        weak = (
            SILENCE_DOMINANCE
            if symbol == SILENCE
            else VOWEL_DOMINANCE
            if symbol in VOWELS
            else CONSONANT_DOMINANCE
        )
        symbols.append(symbol)
        targets.append([float(cell.rstrip("!")) for cell in cells])
        dominance.append([CRITICAL_DOMINANCE if cell.endswith("!") else weak for cell in cells])
    return tuple(symbols), np.array(targets), np.array(dominance)


#: Row symbols, targets [rows × parameters] and dominance [rows × parameters].
SYMBOLS, TARGETS, DOMINANCE = _parse()
ROW_OF = {symbol: row for row, symbol in enumerate(SYMBOLS)}
LEAD_WIDTHS_MS = np.array([TIME_CONSTANTS_MS[name][0] for name in MOUTH_PARAMETERS])
LAG_WIDTHS_MS = np.array([TIME_CONSTANTS_MS[name][1] for name in MOUTH_PARAMETERS])
