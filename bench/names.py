"""Name frequencies for the synthetic population.

Given names: the most popular names given to babies in England and Wales over the last
eighteen years (ONS tables, rounded to relative weights), with the spelling variants that
make search hard (Muhammad/Mohammed/Mohammad, Catherine/Kathryn/Katherine), then Faker's
en_GB names as a long tail. Family names: Faker's 500 most common British surnames with
their own frequencies, plus a long tail of generated British-sounding names and names
common among families of South Asian, African, Caribbean and Eastern European heritage,
so that the most common surname covers about 1.2 % of children, as Smith does.
"""

from faker.providers.person.en_GB import Provider as _Faker

BOYS = {
    "Oliver": 60,
    "George": 55,
    "Muhammad": 45,
    "Harry": 50,
    "Jack": 55,
    "Noah": 45,
    "Jacob": 40,
    "Leo": 35,
    "Arthur": 35,
    "Oscar": 35,
    "Charlie": 45,
    "Thomas": 40,
    "William": 38,
    "James": 40,
    "Alfie": 35,
    "Freddie": 30,
    "Henry": 28,
    "Joshua": 30,
    "Archie": 30,
    "Theo": 25,
    "Ethan": 25,
    "Isaac": 22,
    "Alexander": 22,
    "Joseph": 22,
    "Edward": 18,
    "Samuel": 22,
    "Max": 20,
    "Daniel": 22,
    "Logan": 18,
    "Lucas": 20,
    "Mohammed": 20,
    "Mohammad": 10,
    "Dylan": 18,
    "Finley": 15,
    "Adam": 18,
    "Riley": 15,
    "Harrison": 14,
    "Lewis": 14,
    "Benjamin": 16,
    "Tommy": 12,
    "Mason": 14,
    "Louie": 10,
    "Jaxon": 8,
    "Reggie": 8,
    "Teddy": 10,
    "Albie": 8,
    "Ronnie": 8,
    "Jude": 8,
    "Elijah": 12,
    "Ryan": 14,
    "Luke": 14,
    "Matthew": 14,
    "Liam": 12,
    "Callum": 10,
    "Kai": 10,
    "Ibrahim": 10,
    "Yusuf": 9,
    "Omar": 8,
    "Ali": 8,
    "Hamza": 8,
    "Ayaan": 6,
    "Aarav": 5,
    "Jayden": 8,
    "Tyler": 10,
    "Kyle": 6,
    "Connor": 10,
    "Jamie": 10,
    "Michael": 12,
    "David": 10,
    "John": 8,
    "Jon": 2,
    "Jonathan": 5,
    "Christopher": 6,
    "Nathan": 8,
    "Aaron": 8,
    "Stanley": 8,
    "Sebastian": 10,
    "Zachary": 8,
    "Toby": 10,
    "Ollie": 6,
    "Frankie": 6,
    "Bobby": 6,
    "Billy": 6,
    "Robert": 6,
    "Kacper": 4,
    "Jakub": 4,
    "Filip": 3,
    "Mateo": 4,
    "Rory": 6,
    "Harvey": 10,
    "Jenson": 6,
    "Carter": 6,
    "Hugo": 6,
    "Ezra": 6,
}
GIRLS = {
    "Olivia": 60,
    "Amelia": 60,
    "Isla": 45,
    "Ava": 45,
    "Emily": 50,
    "Sophia": 30,
    "Sophie": 30,
    "Grace": 35,
    "Lily": 45,
    "Mia": 35,
    "Ella": 35,
    "Isabella": 30,
    "Poppy": 30,
    "Freya": 30,
    "Charlotte": 30,
    "Evie": 28,
    "Jessica": 28,
    "Florence": 20,
    "Ivy": 20,
    "Willow": 18,
    "Rosie": 18,
    "Sienna": 15,
    "Daisy": 20,
    "Phoebe": 18,
    "Alice": 18,
    "Matilda": 15,
    "Elsie": 15,
    "Ruby": 25,
    "Chloe": 25,
    "Harper": 12,
    "Evelyn": 15,
    "Isabelle": 12,
    "Scarlett": 15,
    "Millie": 18,
    "Maisie": 14,
    "Layla": 12,
    "Aisha": 10,
    "Fatima": 8,
    "Maryam": 8,
    "Zara": 8,
    "Hannah": 18,
    "Lucy": 18,
    "Katie": 12,
    "Ellie": 18,
    "Holly": 12,
    "Megan": 14,
    "Lauren": 12,
    "Amy": 12,
    "Caitlin": 8,
    "Kathryn": 4,
    "Catherine": 6,
    "Katherine": 5,
    "Kate": 3,
    "Rebecca": 8,
    "Sarah": 8,
    "Leah": 8,
    "Niamh": 6,
    "Erin": 8,
    "Eva": 10,
    "Maya": 10,
    "Aria": 12,
    "Luna": 10,
    "Violet": 10,
    "Hallie": 6,
    "Mila": 8,
    "Gracie": 10,
    "Esme": 8,
    "Thea": 8,
    "Emma": 10,
    "Georgia": 10,
    "Abigail": 10,
    "Madison": 8,
    "Summer": 8,
    "Carol": 2,
    "Julia": 6,
    "Zuzanna": 3,
    "Maja": 3,
    "Amira": 5,
    "Hafsa": 4,
    "Ayesha": 5,
    "Aaliyah": 4,
    "Ada": 6,
    "Margot": 4,
    "Penelope": 4,
    "Orla": 6,
    "Eliza": 6,
    "Bonnie": 6,
    "Molly": 14,
}

_PREFIXES = (
    "Ash Brad Craw Den Elm Fair Gold Hart Kings Lang Mar North Oak Pen Rad Stan Thorn Wal "
    "Whit Wood Black Brook Cal Dun Earn Fen Glad Hal Ing Kel Lind Mil Nor Pel Ram Sal Tal "
    "Ul War Wes Yar Bar Bel Bur Car Col Cran Dal Ed Ever Fal Gar Hol Hunt Lock Mead Mor"
).split()
_SUFFIXES = (
    "ford ley ton by well wood ham field worth combe more dale shaw wick stone bridge "
    "cott hurst stead thorpe mouth brook den gate hill land mere port sby win"
).split()
_HERITAGE = {
    "Khan": 60,
    "Patel": 90,
    "Ali": 55,
    "Ahmed": 50,
    "Begum": 40,
    "Hussain": 45,
    "Singh": 50,
    "Kaur": 30,
    "Shah": 30,
    "Rahman": 25,
    "Islam": 20,
    "Akhtar": 18,
    "Iqbal": 15,
    "Mahmood": 15,
    "Chowdhury": 15,
    "Sharma": 15,
    "Kumar": 18,
    "Mistry": 8,
    "Okafor": 10,
    "Mensah": 8,
    "Adeyemi": 8,
    "Okonkwo": 6,
    "Osei": 6,
    "Boateng": 6,
    "Nowak": 10,
    "Kowalski": 8,
    "Wisniewski": 6,
    "Kaminski": 5,
    "Popescu": 5,
    "Nguyen": 8,
    "Chen": 8,
    "Wang": 8,
    "Li": 8,
    "Mohamed": 15,
    "Abdi": 8,
    "Yusuf": 8,
    "Campbell": 40,
    "Reid": 30,
    "McDonald": 25,
    "O'Brien": 15,
    "O'Connor": 15,
    "Murphy": 30,
    "Kelly": 35,
    "Smith-Jones": 3,
    "Brown-Okafor": 2,
    "Fernandes": 6,
    "Da Silva": 6,
    "Rossi": 4,
}


def given_names() -> tuple[list[str], list[float], list[str], list[float]]:
    """(boys, weights, girls, weights): the popular names, then a long tail at low weight."""

    def with_tail(top: dict[str, int], tail: tuple[str, ...]) -> tuple[list[str], list[float]]:
        names = list(top)
        weights = [float(w) for w in top.values()]
        for name in tail:
            if name not in top:
                names.append(name)
                weights.append(1.5)
        return names, weights

    boys, boy_weights = with_tail(BOYS, _Faker.first_names_male)
    girls, girl_weights = with_tail(GIRLS, _Faker.first_names_female)
    return boys, boy_weights, girls, girl_weights


def family_names() -> tuple[list[str], list[float]]:
    """Surnames and weights: common surnames (~40 % of children), then a long tail."""
    names = list(_Faker.last_names)
    weights = [float(w) for w in _Faker.last_names.values()]
    total_common = sum(weights)
    for name, weight in _HERITAGE.items():
        if name not in _Faker.last_names:
            names.append(name)
            weights.append(weight / 100)
    tail = [p + s for p in _PREFIXES for s in _SUFFIXES]
    tail_weight = total_common * 1.4 / len(tail)
    for index, name in enumerate(tail):
        if name not in names:
            names.append(name)
            # A gentle Zipf shape inside the tail.
            weights.append(tail_weight * 2 / (1 + (index % 97) / 24))
    return names, weights
