/* seeder/people.c - contact names and phone numbers.
 *
 * Names mix many origins (some non-ASCII), with the forms people give
 * contacts in a phone: full names, first names only, initials, titles,
 * businesses, and now and then nothing at all. Phone numbers are E.164 with
 * national plans that look real for a handful of countries. */
#include "seed.h"

#include <string.h>

static const char *const first_names[] = {
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael",
    "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan",
    "Joseph", "Jessica", "Thomas", "Sarah", "Chris", "Karen", "Daniel",
    "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Paul",
    "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Kevin", "Amanda",
    "Brian", "Melissa", "George", "Stephanie", "Olivia", "Liam", "Emma",
    "Noah", "Ava", "Sophia", "Mia", "Lucas", "Isabella", "Ethan", "Chloé",
    "José", "María", "Juan", "Sofía", "Mateo", "Valentina", "Diego",
    "Camila", "Luis", "Lucía", "Carlos", "Ana", "Pedro", "Inês", "João",
    "Gonçalo", "François", "Amélie", "Hélène", "Jérôme", "Zoë", "Noël",
    "Björn", "Søren", "Åsa", "Jürgen", "Jörg", "Müge", "Łukasz", "Małgorzata",
    "Zoltán", "Dóra", "Ólafur", "Sigríður", "Aoife", "Siobhán", "Seán",
    "Niamh", "Priya", "Raj", "Ananya", "Arjun", "Deepika", "Vikram", "Aditi",
    "Wei", "Mei", "Jun", "Li Na", "Hiroshi", "Yuki", "Haruto", "Sakura",
    "Min-jun", "Ji-woo", "Seo-yeon", "Nguyễn", "Thảo", "Minh", "Kofi",
    "Ama", "Chinedu", "Ngozi", "Amara", "Tendai", "Fatima", "Omar",
    "Yusuf", "Layla", "Aisha", "Mehmet", "Ayşe", "Elif", "Dmitri",
    "Anastasia", "Ivan", "Olga", "Katarzyna", "Petra", "Ingrid", "Astrid",
    "Lars", "Nils", "Freya", "Giulia", "Marco", "Francesca", "Alessandro",
    "Eleni", "Nikos", "Tamar", "Noa", "Yosef", "Keanu", "Leilani", "Aroha",
    "Tāne", "Dolores", "Ignacio", "Renée", "Bartholomew", "Ottoline",
};

static const char *const last_names[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez",
    "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
    "Carter", "Roberts", "Patel", "Shah", "Singh", "Kumar", "Sharma",
    "Gupta", "Chen", "Wang", "Zhang", "Liu", "Kim", "Park", "Choi",
    "Tanaka", "Suzuki", "Satō", "Yamamoto", "Müller", "Schmidt", "Schröder",
    "Weiß", "Fischer", "Meyer", "Köhler", "Dubois", "Lefèvre", "Moreau",
    "Girard", "Fontaine", "Bernard", "Rossi", "Russo", "Ferrari", "Esposito",
    "Bianchi", "Núñez", "Peña", "Ibáñez", "Muñoz", "Gómez", "Fernández",
    "Álvarez", "Romero", "Silva", "Santos", "Oliveira", "Conceição",
    "Magalhães", "Jansen", "de Vries", "van den Berg", "Bakker", "Johansson",
    "Andersson", "Nilsson", "Sørensen", "Jørgensen", "Håkansson", "Nowak",
    "Kowalski", "Wiśniewski", "Dąbrowski", "Novák", "Dvořák", "Horváth",
    "Nagy", "Kovačević", "Popescu", "Ivanov", "Petrov", "Smirnov", "Yılmaz",
    "Kaya", "Öztürk", "Çelik", "O'Brien", "O'Connor", "Murphy", "Kelly",
    "MacDonald", "McAllister", "Okafor", "Mensah", "Adeyemi", "Mwangi",
    "Haddad", "Khalil", "Nasser", "Cohen", "Levi", "Friedman", "Papadopoulos",
    "Georgiou", "Trần", "Lê", "Phạm", "Hoang", "Kealoha", "Ngata",
    "Fitzgerald", "Abernathy", "Whitfield", "Castellanos", "Villanueva",
};

static const char *const titles[] = {"Dr.", "Coach", "Aunt", "Uncle", "Prof.", "Pastor"};
static const char *const family[] = {"Mom", "Dad", "Grandma", "Grandpa", "Babe", "Home"};
static const char *const trades[] = {
    "Plumbing", "Dental", "Auto Repair", "Pizza", "Yoga Studio", "Realty",
    "Landscaping", "Vet Clinic", "Bakery", "Florist", "Locksmith", "Cleaners",
    "Barbershop", "Tattoo", "Moving Co.", "Electric", "Café", "Pet Grooming",
};
static const char *const roles[] = {
    "work", "gym", "neighbor", "landlord", "babysitter", "carpool", "book club",
    "soccer", "school", "dentist", "mechanic", "Airbnb", "old number",
};

/* Bytes of the first (UTF-8) character of s. */
static int initial_len(const char *s)
{
    size_t n = core_utf8_len((const unsigned char *)s, 4);
    return n ? (int)n : 1;
}

/* Common names come first in each list; pick them more often. */
static size_t skewed(struct seed_rng *rng, size_t n)
{
    double u = seed_rng_unit(rng);
    return (size_t)((double)n * u * u);
}

void seed_people_name(struct seed_rng *rng, char *buf, size_t buflen)
{
    const char *first = first_names[skewed(rng, COUNT(first_names))];
    const char *last = last_names[skewed(rng, COUNT(last_names))];
    double u = seed_rng_unit(rng);
    if (u < 0.62)
        snprintf(buf, buflen, "%s %s", first, last);
    else if (u < 0.72)
        snprintf(buf, buflen, "%s", first);
    else if (u < 0.78)
        snprintf(buf, buflen, "%s %.*s.", first, initial_len(last), last);
    else if (u < 0.82)
        snprintf(buf, buflen, "%s %s", titles[seed_rng_below(rng, COUNT(titles))], last);
    else if (u < 0.87)
        snprintf(buf, buflen, "%s's %s", first, trades[seed_rng_below(rng, COUNT(trades))]);
    else if (u < 0.92)
        snprintf(buf, buflen, "%s (%s)", first, roles[seed_rng_below(rng, COUNT(roles))]);
    else if (u < 0.935)
        snprintf(buf, buflen, "%s", family[seed_rng_below(rng, COUNT(family))]);
    else if (u < 0.965)
        snprintf(buf, buflen, "%s %s-%s", first, last,
                 last_names[seed_rng_below(rng, COUNT(last_names))]);
    else if (u < 0.975)
        snprintf(buf, buflen, "%s %s ✨", first, last);
    else
        buf[0] = '\0';   /* saved without a name */
    /* If a multi-byte name got cut by buflen, drop the partial character. */
    size_t n = strlen(buf);
    while (n && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
        n--;
    if (n && !core_utf8_len((const unsigned char *)buf + n - 1, strlen(buf) - (n - 1)))
        buf[n - 1] = '\0';
}

struct country {
    const char *cc;           /* calling code */
    double weight;
    const char *const *prefixes;
    int digits;               /* national significant digits after the prefix */
};

static const char *const us_dummy[] = {NULL};
static const char *const uk[] = {"74", "75", "77", "78", "79", NULL};
static const char *const de[] = {"151", "152", "157", "160", "170", "171", "172", "176", "177", "179", NULL};
static const char *const fr[] = {"6", "7", NULL};
static const char *const es[] = {"6", "7", NULL};
static const char *const it[] = {"32", "33", "34", "35", "36", "38", "39", NULL};
static const char *const br[] = {"119", "219", "319", "419", "519", "619", "719", "819", NULL};
static const char *const mx[] = {"155", "133", "181", "222", "442", "998", NULL};
static const char *const in[] = {"98", "99", "97", "96", "90", "88", "87", "70", "63", NULL};
static const char *const au[] = {"4", NULL};
static const char *const jp[] = {"90", "80", "70", NULL};
static const char *const ng[] = {"803", "806", "813", "816", "703", "905", NULL};

static const struct country countries[] = {
    {"1", 0.52, us_dummy, 10},
    {"44", 0.09, uk, 8},
    {"49", 0.06, de, 8},
    {"33", 0.05, fr, 8},
    {"34", 0.04, es, 8},
    {"39", 0.04, it, 8},
    {"55", 0.05, br, 8},
    {"52", 0.04, mx, 7},
    {"91", 0.06, in, 8},
    {"61", 0.02, au, 8},
    {"81", 0.02, jp, 8},
    {"234", 0.01, ng, 7},
};

void seed_people_phone(struct seed_rng *rng, char *buf, size_t buflen)
{
    double u = seed_rng_unit(rng), acc = 0;
    const struct country *c = &countries[0];
    for (size_t i = 0; i < COUNT(countries); i++) {
        acc += countries[i].weight;
        if (u < acc) {
            c = &countries[i];
            break;
        }
    }
    char national[16];
    if (c->prefixes == us_dummy) {
        /* NANP: area code and exchange start 2-9, and are not N11. */
        unsigned npa, nxx;
        do
            npa = 200 + (unsigned)seed_rng_below(rng, 800);
        while (npa % 100 == 11 || (npa / 10) % 10 == 9);
        do
            nxx = 200 + (unsigned)seed_rng_below(rng, 800);
        while (nxx % 100 == 11);
        snprintf(national, sizeof national, "%03u%03u%04u", npa, nxx,
                 (unsigned)seed_rng_below(rng, 10000));
    } else {
        size_t np = 0;
        while (c->prefixes[np])
            np++;
        const char *prefix = c->prefixes[seed_rng_below(rng, np)];
        size_t len = strlen(prefix);
        memcpy(national, prefix, len);
        for (int i = 0; i < c->digits; i++)
            national[len++] = (char)('0' + seed_rng_below(rng, 10));
        national[len] = '\0';
    }
    snprintf(buf, buflen, "+%s%s", c->cc, national);
}
