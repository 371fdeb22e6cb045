/* seeder/text.c - the built-in generator of chat turns.
 *
 * A turn is a short reaction or one to a few sentences built from templates
 * whose slots are filled from word lists. Every list is ordered from common
 * to rare and sampled with Zipf weights (rank^-1), so a few words are very
 * common and there is a long tail of rare ones, as in real chat.
 *
 * Lengths follow message_content.csv's (mean about 102 characters, median
 * 95, longest about 700): each turn draws a length and strings sentences
 * together until it gets there. Search and index costs grow with text, so
 * shorter bodies would flatter every measurement. */
#include "seed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const reactions[] = {
    "ok", "lol", "haha", "yes", "thanks!", "sure", "no worries", "ok cool",
    "sounds good", "yeah", "nice", "thank you so much", "omg", "got it", "yep",
    "perfect", "👍", "haha yes", "no", "wow", "same", "really?", "great!",
    "kk", "of course", "np", "cool cool", "ahh ok", "right", "exactly",
    "😂😂", "awesome", "maybe", "ugh", "lmao", "true", "for real?", "nope",
    "yesss", "hmm", "I know right", "love it", "❤️", "fair enough", "oops",
    "gracias", "merci!", "sounds like a plan", "wait what", "brb", "👌",
    "on my way", "np!", "danke", "ok 🙏", "totally", "ha", "amazing",
    "can't wait", "so sorry", "noted", "🎉🎉", "definitely", "not yet",
    "good night", "morning!", "ty", "oh no", "sweet", "deal", "agreed",
    "I'll check", "let me see", "hold on", "done", "almost there", "same here",
    "whatever works", "all good", "¡claro!", "d'accord", "ciao", "tschüss",
    "спасибо", "ありがとう", "👀", "🙈", "😅", "touché", "voilà", "olé",
};

static const char *const greetings[] = {
    "hey", "hi", "hello", "hey there", "good morning", "morning", "hi again",
    "yo", "hiya", "evening", "good afternoon", "howdy", "hola", "bonjour",
    "hallo", "ciao", "salut", "hej", "olá", "namaste", "shalom", "¡buenas!",
};

static const char *const nouns[] = {
    "thing", "time", "car", "phone", "meeting", "house", "game", "party",
    "movie", "job", "dog", "package", "book", "plan", "trip", "key", "class",
    "report", "cat", "show", "order", "ticket", "bill", "room", "laptop",
    "email", "kids", "weekend", "project", "doctor", "appointment", "gym",
    "presentation", "invoice", "concert", "flight", "train", "bike", "wedding",
    "birthday", "interview", "deadline", "schedule", "password", "charger",
    "jacket", "umbrella", "recipe", "garden", "apartment", "lease", "contract",
    "budget", "delivery", "receipt", "refund", "photos", "playlist", "podcast",
    "album", "episode", "season", "series", "camera", "printer", "router",
    "neighbor", "landlord", "dentist", "barber", "mechanic", "plumber",
    "groceries", "laundry", "dishes", "homework", "exam", "essay", "thesis",
    "résumé", "visa", "passport", "suitcase", "hotel", "reservation", "table",
    "menu", "sofa", "mattress", "fridge", "oven", "heater", "fan", "window",
    "roof", "fence", "driveway", "garage", "basement", "attic", "balcony",
    "puppy", "kitten", "hamster", "parrot", "aquarium", "tortoise", "saxophone",
    "guitar", "piano", "violin", "drums", "ukulele", "kayak", "tent",
    "telescope", "microscope", "spreadsheet", "dashboard", "prototype",
    "blueprint", "manuscript", "sculpture", "mural", "quilt", "scarf",
    "sweater", "sneakers", "boots", "headphones", "smartwatch", "drone",
    "scooter", "skateboard", "hammock", "barbecue", "lantern", "compass",
    "thermostat", "dehumidifier", "espresso machine", "sourdough starter",
    "bonsai", "terrarium", "zine", "harmonica", "accordion", "mandolin",
    "croissant", "piñata", "fiancée", "doppelgänger", "kindergarten",
    "déjà vu", "smörgåsbord", "jalapeño plant",
};

static const char *const verbs[] = {
    "get", "see", "do", "call", "check", "send", "bring", "pick up", "finish",
    "try", "find", "fix", "watch", "book", "pay", "cancel", "move", "clean",
    "cook", "meet", "text", "drive", "grab", "order", "buy", "sell", "print",
    "sign", "review", "update", "plan", "visit", "borrow", "return", "charge",
    "wash", "paint", "build", "install", "repair", "reschedule", "confirm",
    "forward", "upload", "download", "share", "rent", "water",
    "feed", "walk", "practice", "rehearse", "bake", "grill", "assemble",
    "replace", "recycle", "renew", "organize", "declutter", "polish",
    "vacuum", "iron", "sew", "knit", "frame", "hang", "tune", "calibrate",
    "translate", "proofread", "photograph", "sketch", "decorate", "wrap",
    "ship", "insure", "appraise", "refinance", "notarize", "defrost",
};

static const char *const adjectives[] = {
    "good", "great", "new", "big", "little", "nice", "old", "bad", "best",
    "late", "early", "busy", "free", "ready", "tired", "crazy", "cool",
    "awesome", "weird", "funny", "cheap", "expensive", "quick", "long",
    "amazing", "perfect", "terrible", "beautiful", "delicious", "boring",
    "quiet", "loud", "huge", "tiny", "fancy", "cozy", "sunny", "rainy",
    "cold", "hot", "spicy", "fresh", "broken", "lost", "stuck", "sore",
    "nervous", "excited", "grateful", "curious", "hilarious", "gorgeous",
    "ridiculous", "impressive", "overpriced", "underrated", "legendary",
    "chaotic", "peaceful", "mysterious", "vintage", "handmade", "organic",
    "naïve", "soufflé-light", "über-cool", "bittersweet", "sleepy", "salty",
};

static const char *const places[] = {
    "the house", "the office", "the store", "school", "the gym",
    "the airport", "the city center", "the park", "the mall", "the beach",
    "the station", "the library", "the hospital", "the bank", "the pharmacy",
    "the coffee shop", "the bakery", "the farmers market", "the museum",
    "the stadium", "the lake", "the cabin", "grandma's", "the studio",
    "the hardware store", "the post office", "the vet", "the car wash",
    "Chicago", "Boston", "Austin", "Seattle", "Denver", "Toronto", "London",
    "Berlin", "Paris", "Madrid", "Lisbon", "Rome", "Dublin", "Amsterdam",
    "Mexico City", "São Paulo", "Bogotá", "Zürich", "Kraków", "Malmö",
    "Reykjavík", "Montréal", "Tokyo", "Seoul", "Mumbai", "Sydney",
    "Cape Town", "Nairobi", "Istanbul", "Athens", "Düsseldorf", "Córdoba",
};

static const char *const times[] = {
    "today", "tomorrow", "tonight", "later", "now", "this weekend",
    "next week", "on Monday", "on Friday", "this morning", "in an hour",
    "after lunch", "before 5", "at noon", "this afternoon", "on Saturday",
    "on Sunday", "next month", "on Tuesday", "on Wednesday", "on Thursday",
    "around 7", "at 8:30", "first thing tomorrow", "by the end of the day",
    "in ten minutes", "right after work", "over the holidays", "in the spring",
    "before the weekend", "at 6ish", "at half past nine", "sometime next week",
};

static const char *const foods[] = {
    "pizza", "coffee", "tacos", "sushi", "burgers", "pasta", "salad", "beer",
    "wine", "ramen", "pho", "curry", "bagels", "pancakes", "ice cream",
    "dumplings", "falafel", "burritos", "nachos", "waffles", "brunch",
    "bbq", "tapas", "kebabs", "paella", "risotto", "gnocchi", "croissants",
    "crème brûlée", "café au lait", "crêpes", "bibimbap", "pierogi",
    "smørrebrød", "jalapeño poppers", "pão de queijo", "açaí bowls",
    "baklava", "churros", "empanadas", "poutine", "gelato", "matcha",
    "kimchi fried rice", "shakshuka", "moussaka", "goulash", "tiramisu",
};

static const char *const people[] = {
    "mom", "dad", "Sam", "Alex", "the kids", "Chris", "Jess", "my sister",
    "my brother", "Mike", "Sarah", "the boss", "Emma", "Dan", "Lisa",
    "grandpa", "Priya", "Carlos", "Nina", "Tom", "Olivia", "Raj", "Ana",
    "Marco", "Chloé", "José", "Zoë", "Björn", "Aoife", "Søren", "Łukasz",
    "Mei", "Kofi", "Fatima", "Yusuf", "Ingrid", "Mateo", "Noa", "Hiroshi",
};

static const char *const emoji[] = {
    "😂", "👍", "❤️", "😊", "🙏", "😅", "🎉", "😭", "🔥", "😍", "🤔", "👀",
    "🙄", "😬", "🥳", "💪", "✨", "😴", "🤷", "☕", "🍕", "🐶", "🌧️", "🚗",
};

/* Templates: {G} greeting, {N} noun, {V} verb, {A} adjective, {P} place,
 * {T} time, {F} food, {M} person, {Q} small number. Common first. */
static const char *const templates[] = {
    "are you coming {T}?",
    "did you {V} the {N}?",
    "I'll {V} it {T}",
    "can you {V} the {N} {T}?",
    "{G}! how's it going?",
    "I'm at {P}",
    "the {N} was {A}",
    "want to get {F} {T}?",
    "{M} says hi",
    "running {Q} minutes late, sorry",
    "just got to {P}",
    "thanks for the {N}, it's {A}",
    "I can't {V} the {N}, any idea where it is?",
    "let's meet at {P} {T}",
    "no rush, {T} is fine",
    "did {M} {V} the {N} yet?",
    "I think the {N} is at {P}",
    "that {N} sounds {A}",
    "we need to {V} the {N} before {T}",
    "I'm so {A} today",
    "how was {P}?",
    "{F} was {A}!",
    "can {M} {V} the {N}?",
    "just saw the {N}, so {A}",
    "what time is the {N} {T}?",
    "I'll be at {P} {T} if you want to stop by",
    "remind me to {V} the {N}",
    "the {A} {N} is still at {P}",
    "ok I'll {V} the {N} and {V} the {N} {T}",
    "is {P} open {T}?",
    "I owe you {F}",
    "do you still have my {N}?",
    "the {N} costs ${Q}, is that {A}?",
    "haven't seen {M} since {P}",
    "can we move the {N} to {T}?",
    "I left the {N} at {P}",
    "got {Q} tickets for the {N} {T}",
    "my {N} is {A} again",
    "you should {V} the {N}, it's {A}",
    "guess who I ran into at {P}? {M}!",
    "on my way to {P}, need anything?",
    "just finished the {N}",
    "craving {F} so bad",
    "{M} wants to {V} the {N} {T}",
    "the {N} arrived, it's {A}",
    "I'm thinking {F} for dinner",
    "are we still on for {F} {T}?",
    "it's {A} at {P} right now",
    "do you know anyone who can {V} a {N}?",
    "ugh the {N} broke again",
    "I found a {A} {N} at {P} for ${Q}",
    "happy birthday {M}!! have a {A} day",
    "miss you! come visit {P} soon",
    "the {N} starts at {Q}",
    "who's bringing the {F}?",
    "I'll send you the {N} {T}",
    "traffic near {P} is {A}",
    "please {V} the {N} when you get home",
    "saw a {A} {N} and thought of you",
    "the meeting about the {N} got moved to {T}",
    "can you believe the {N}?? so {A}",
    "the {F} place near {P} closed",
    "flight to {P} lands {T}",
    "my {N} needs to {V} the {N}, long story",
    "{M} and I are going to {P} {T}, want to join?",
    "we should {V} the {N} together",
    "that {F} at {P} was {A}",
    "sorry I missed your call, {A} day",
    "let me know when you {V} the {N}",
    "only {Q} days until the {N}!",
};

/* Openers and closers people tack onto a sentence. */
static const char *const openers[] = {
    "ok so", "btw", "hey", "lol", "also", "oh and", "wait", "honestly", "um",
    "so", "yeah", "actually", "fyi", "quick question:", "random but", "omg",
    "sorry,", "ha,", "ps", "heads up:", "not gonna lie,", "real talk,",
};

static const char *const closers[] = {
    "haha", "lol", "tbh", "lmk", "if that works", "no pressure", "I think",
    "right?", "thx", "xx", "ok?", "just saying", "asap", "anyway", "idk",
    "for sure", "haha jk", "fingers crossed", "ugh", "again", "as usual",
    "hopefully", "lmao", "if you can", "when you get a sec", "no worries if not",
};

struct list {
    const char *const *words;
    struct seed_zipf z;
};

struct gen {
    struct seed_rng *rng;
    struct list reactions, greetings, nouns, verbs, adjectives, places, times,
        foods, people, emoji, templates, openers, closers;
    char buf[1024];
    size_t len;
};

#define LIST_INIT(g, name, s) \
    do { (g)->name.words = name; seed_zipf_init(&(g)->name.z, COUNT(name), s); } while (0)

static const char *pick(struct gen *g, struct list *l)
{
    return l->words[seed_zipf_pick(&l->z, g->rng)];
}

static void put(struct gen *g, const char *s, size_t n)
{
    if (g->len + n >= sizeof g->buf)
        n = sizeof g->buf - 1 - g->len;
    memcpy(g->buf + g->len, s, n);
    g->len += n;
}

static void put_str(struct gen *g, const char *s)
{
    put(g, s, strlen(s));
}

static void sentence(struct gen *g)
{
    size_t start = g->len;
    if (seed_rng_chance(g->rng, 0.2)) {
        put_str(g, pick(g, &g->openers));
        put(g, " ", 1);
    }
    const char *t = pick(g, &g->templates);
    for (const char *p = t; *p; p++) {
        if (*p == '{' && p[1] && p[2] == '}') {
            char tmp[16];
            switch (p[1]) {
            case 'G': put_str(g, pick(g, &g->greetings)); break;
            case 'N': put_str(g, pick(g, &g->nouns)); break;
            case 'V': put_str(g, pick(g, &g->verbs)); break;
            case 'A': put_str(g, pick(g, &g->adjectives)); break;
            case 'P': put_str(g, pick(g, &g->places)); break;
            case 'T': put_str(g, pick(g, &g->times)); break;
            case 'F': put_str(g, pick(g, &g->foods)); break;
            case 'M': put_str(g, pick(g, &g->people)); break;
            case 'Q':
                snprintf(tmp, sizeof tmp, "%u", (unsigned)(2 + seed_rng_below(g->rng, 58)));
                put_str(g, tmp);
                break;
            }
            p += 2;
        } else {
            put(g, p, 1);
        }
    }
    if (seed_rng_chance(g->rng, 0.2)) {
        put(g, " ", 1);
        put_str(g, pick(g, &g->closers));
    }
    /* People capitalise the first word about half the time. */
    if (g->buf[start] >= 'a' && g->buf[start] <= 'z' && seed_rng_chance(g->rng, 0.5))
        g->buf[start] = (char)(g->buf[start] - 'a' + 'A');
}

/* Longest body, in bytes; the real file's longest line is about 700
 * characters. */
#define TURN_MAX 700

/* A length in characters: log-normal around the real file's median, with a
 * thin heavy tail up to TURN_MAX. */
static size_t turn_length(struct gen *g)
{
    double u1 = seed_rng_unit(g->rng), u2 = seed_rng_unit(g->rng);
    double z = sqrt(-2.0 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(2.0 * M_PI * u2);
    double len = 78.0 * exp(0.42 * z);
    if (seed_rng_chance(g->rng, 0.012))
        len = 200.0 + 480.0 * pow(seed_rng_unit(g->rng), 1.6);
    return len < 8 ? 8 : len > TURN_MAX - 40 ? TURN_MAX - 40 : (size_t)len;
}

static void turn(struct gen *g)
{
    g->len = 0;
    if (seed_rng_chance(g->rng, 0.04)) {
        put_str(g, pick(g, &g->reactions));
        return;
    }
    size_t want = turn_length(g);
    for (int i = 0; i == 0 || g->len < want; i++) {
        size_t before = g->len;
        bool ended = g->len && (g->buf[g->len - 1] == '?' || g->buf[g->len - 1] == '!');
        if (i)
            put_str(g, ended || seed_rng_chance(g->rng, 0.3) ? " "
                       : seed_rng_chance(g->rng, 0.85) ? ". " : ", ");
        sentence(g);
        if (i && g->len > TURN_MAX - 8) {
            g->len = before; /* would pass the longest a body gets */
            break;
        }
    }
    if (seed_rng_chance(g->rng, 0.25))
        put(g, "!", 1);
    if (seed_rng_chance(g->rng, 0.12)) {
        put(g, " ", 1);
        put_str(g, pick(g, &g->emoji));
    }
}

void seed_text_generate(struct seed_rng *rng, size_t count, struct seed_bodies *out)
{
    struct gen g = {.rng = rng};
    LIST_INIT(&g, reactions, 1.0);
    LIST_INIT(&g, greetings, 1.0);
    LIST_INIT(&g, nouns, 1.0);
    LIST_INIT(&g, verbs, 1.0);
    LIST_INIT(&g, adjectives, 1.0);
    LIST_INIT(&g, places, 1.0);
    LIST_INIT(&g, times, 1.0);
    LIST_INIT(&g, foods, 1.0);
    LIST_INIT(&g, people, 1.0);
    LIST_INIT(&g, emoji, 1.0);
    LIST_INIT(&g, templates, 0.8);
    LIST_INIT(&g, openers, 1.0);
    LIST_INIT(&g, closers, 1.0);
    for (size_t i = 0; i < count; i++) {
        turn(&g);
        seed_bodies_add(out, g.buf, g.len);
    }
    struct list *lists[] = {&g.reactions, &g.greetings, &g.nouns, &g.verbs,
                            &g.adjectives, &g.places, &g.times, &g.foods,
                            &g.people, &g.emoji, &g.templates, &g.openers, &g.closers};
    for (size_t i = 0; i < COUNT(lists); i++)
        free(lists[i]->z.cdf);
}
