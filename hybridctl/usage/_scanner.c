/* The compiled reader for usage logs in JSON lines.
 *
 * It takes the lines that are plainly in hybridctl's own event shape and adds
 * them into cells, the same cells scan.py's Python paths build; every other
 * line it hands back by number, and the general path (json.loads and the
 * field aliases) reads it, or counts it as bad. So it never decides that a
 * line is bad, and it never guesses: a line goes back when it has
 *
 *   - bytes that are not UTF-8 anywhere (UTF-8 text it takes, in any field,
 *     and escapes too), or a lone surrogate escaped in a field it reads;
 *   - a value of another type than the field's (a token count as a float or
 *     a string, a role as a number, an error flag that is not true/false);
 *   - a negative token count, a number it cannot convert exactly, a time not
 *     of the form YYYY-MM-DD[T ]HH:MM:SS[.fff[fff]] followed by Z or an
 *     offset +HH:MM / -HH:MM, nor an epoch number (a JSON number, integer or
 *     not; in CSV, digits with an optional fraction);
 *   - a key that makes the record something else (nested attributes, an
 *     OpenRouter or LiteLLM record), a field given twice, bad JSON.
 *
 * CSV rows, below, it takes by the same rules.
 *
 * Field names, which names send a line back, the status words that mean
 * success and the request size a price tier starts at come from the Python
 * side (events.ALIASES, events._OK_STATUSES, cube.LONG_REQUEST), so both read
 * the same rules. The parsing loop holds no Python object and runs without
 * the GIL: threads scan byte ranges in parallel. Cells go back to Python as
 * the dict scan.py's loop would have
 * built: {(segment, day, role, model, provider, variant, escalated): [...]}.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fields, in the order the Python side passes their names. */
enum {
    F_TIME,
    F_ROLE,
    F_MODEL,
    F_PROVIDER,
    F_VARIANT,
    F_ESCALATED,
    F_INPUT,
    F_OUTPUT,
    F_CACHED,
    F_LATENCY_MS,
    F_LATENCY_S,
    F_STATUS,
    F_ERROR_TYPE,
    F_COST,
    F_QUALITY,
    F_ERROR,
    N_FIELDS
};
enum { K_STR, K_BOOL, K_INT, K_NUM, K_TIME };
static const int FIELD_KIND[N_FIELDS] = {
    K_TIME, K_STR, K_STR, K_STR, K_STR, K_BOOL, K_INT, K_INT,
    K_INT, K_NUM, K_NUM, K_STR, K_STR, K_NUM, K_NUM, K_BOOL,
};

#define MAX_NAMES 128   /* field names and names that send a line back */
#define NAME_SLOTS 512  /* open-addressing table of names, a power of two */
#define PUNT_FIELD (-1)
#define MAX_DEPTH 64
#define MAX_KEY_TEXT 255
#define MAX_INT_DIGITS 15

typedef struct {
    const char *text;
    Py_ssize_t len;
    int field; /* PUNT_FIELD: the line goes back */
    int rank;  /* position among the field's names: the first one present wins */
} Name;

typedef struct {
    uint64_t stamp; /* the line this value belongs to */
    int is_null;
    int is_number; /* a time given as an epoch number: 1 an integer (in i), 2 a float (in d) */
    char text[MAX_KEY_TEXT + 1]; /* a string with escapes, decoded (str points here then) */
    const char *str;
    Py_ssize_t len;
    int64_t i;
    double d;
} Slot;

typedef struct {
    int64_t requests, errors, input, output, cached;
    double recorded_cost;
    int64_t recorded_n, open_input, open_output, open_cached;
    double quality_sum;
    int64_t quality_n;
    int64_t *histogram; /* counts of buckets low .. low + span - 1 */
    long low;
    long span;
} Cell;

typedef struct {
    uint64_t hash;
    char *key;
    size_t key_len;
    Cell *cell;
} Entry;

typedef struct {
    PyObject_HEAD
    Name names[MAX_NAMES];
    int n_names;
    int name_slots[NAME_SLOTS]; /* index into names, or -1 */
    int rank_count[N_FIELDS];
    int field_names[N_FIELDS][MAX_NAMES]; /* name indexes per field, by rank */
    PyObject *keep;                       /* the name strings, kept alive */
    int64_t *boundaries;                  /* microseconds since 1970, UTC, ascending */
    Py_ssize_t n_boundaries;
    double log_gamma;
    double min_latency;
    Entry *entries;
    size_t capacity;
    size_t used;
    Slot slots[MAX_NAMES];
    uint64_t line_stamp;
    int busy;
    int64_t long_input; /* input tokens above which a line goes back to Python; -1: none */
    int any_fraction;   /* fractions of any length, as Python 3.11's fromisoformat reads them */
    Name ok_words[16];  /* status words that mean success (events._OK_STATUSES), lower case */
    Py_ssize_t n_ok;
    int *columns;       /* a CSV file's columns: the name index of each, or -1 */
    Py_ssize_t n_columns;
} Aggregator;

/* -- small helpers ------------------------------------------------------------ */

/* A cell key's hash, eight bytes at a time (the mixing steps of splitmix64). */
static uint64_t
hash_key(const char *data, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    uint64_t word;
    for (; len >= 8; data += 8, len -= 8) {
        memcpy(&word, data, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    word = 0;
    memcpy(&word, data, len);
    h = (h ^ word) * 0x94D049BB133111EBULL;
    return h ^ (h >> 29);
}

/* Names are few and short: their length and three of their characters spread them well. */
static inline size_t
name_hash(const char *text, Py_ssize_t len)
{
    if (len == 0) {
        return 0;
    }
    return (size_t)len * 131u + (unsigned char)text[0] * 31u + (unsigned char)text[len / 2] * 7u +
           (unsigned char)text[len - 1];
}

static inline int
same_text(const char *a, const char *b, Py_ssize_t len)
{
    for (Py_ssize_t i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

static int
find_name(const Aggregator *self, const char *text, Py_ssize_t len)
{
    size_t h = name_hash(text, len);
    for (size_t probe = 0; probe < NAME_SLOTS; probe++) {
        int index = self->name_slots[(h + probe) & (NAME_SLOTS - 1)];
        if (index < 0) {
            return -1;
        }
        const Name *name = &self->names[index];
        if (name->len == len && same_text(name->text, text, len)) {
            return index;
        }
    }
    return -1;
}

static inline const char *
skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) {
        p++;
    }
    return p;
}

static inline int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A JSON number's extent, by its grammar; NULL if it is not one. */
static const char *
number_end(const char *p, const char *end)
{
    if (p < end && *p == '-') {
        p++;
    }
    if (p >= end || !is_digit(*p)) {
        return NULL;
    }
    if (*p == '0') {
        p++;
    }
    else {
        while (p < end && is_digit(*p)) {
            p++;
        }
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) {
            return NULL;
        }
        while (p < end && is_digit(*p)) {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= end || !is_digit(*p)) {
            return NULL;
        }
        while (p < end && is_digit(*p)) {
            p++;
        }
    }
    return p;
}

static const double POW10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A JSON number [p, q) as the nearest double, when that is one exact operation
 * (at most 15 significant digits and a power of ten up to 22: both are exact
 * doubles, so one multiply or divide rounds correctly, as float() does). */
static int
to_double(const char *p, const char *q, double *out)
{
    int negative = 0;
    uint64_t mantissa = 0;
    int digits = 0;
    long exponent = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    for (; p < q && is_digit(*p); p++) {
        if (digits || *p != '0') {
            if (++digits > MAX_INT_DIGITS) {
                return 0;
            }
        }
        mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    }
    if (p < q && *p == '.') {
        for (p++; p < q && is_digit(*p); p++) {
            if (digits || *p != '0') {
                if (++digits > MAX_INT_DIGITS) {
                    return 0;
                }
            }
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
            exponent--;
        }
    }
    if (p < q && (*p == 'e' || *p == 'E')) {
        int sign = 1;
        long e = 0;
        p++;
        if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p++;
        }
        for (; p < q; p++) {
            if (e > 1000) {
                return 0;
            }
            e = e * 10 + (*p - '0');
        }
        exponent += sign * e;
    }
    double value = (double)mantissa;
    if (mantissa == 0) {
        value = 0.0;
    }
    else if (exponent < 0) {
        if (exponent < -22) {
            return 0;
        }
        value /= POW10[-exponent];
    }
    else if (exponent > 0) {
        if (exponent > 22) {
            return 0;
        }
        value *= POW10[exponent];
    }
    *out = negative ? -value : value;
    return 1;
}

/* Bytes a string can hold as they are: printable ASCII but the quote and the backslash. */
static unsigned char PLAIN[256];

static void
fill_plain(void)
{
    for (int c = 0x20; c < 0x80; c++) {
        PLAIN[c] = c != '"' && c != '\\';
    }
}

/* The closing quote of a string body with plain bytes only; NULL otherwise. */
static inline const char *
plain_string_end(const char *p, const char *end)
{
    while (p < end && PLAIN[(unsigned char)*p]) {
        p++;
    }
    return p < end && *p == '"' ? p : NULL;
}

/* The end of one UTF-8 sequence starting at a byte >= 0x80, as Python decodes a
 * JSON line (no overlong forms, nothing past U+10FFFF; encoded surrogates only with
 * ``surrogates``, as json.loads's 'surrogatepass' reads them); NULL if it is not one. */
static const char *
utf8_end(const char *p, const char *end, int surrogates)
{
    unsigned char c = (unsigned char)*p;
    int more;
    unsigned char low = 0x80, high = 0xBF; /* the second byte's range */
    if (c >= 0xC2 && c <= 0xDF) {
        more = 1;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        more = 2;
        low = c == 0xE0 ? 0xA0 : 0x80;
        high = c == 0xED && !surrogates ? 0x9F : 0xBF;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        more = 3;
        low = c == 0xF0 ? 0x90 : 0x80;
        high = c == 0xF4 ? 0x8F : 0xBF;
    }
    else {
        return NULL;
    }
    if (end - p <= more) {
        return NULL;
    }
    unsigned char second = (unsigned char)p[1];
    if (second < low || second > high) {
        return NULL;
    }
    for (int k = 2; k <= more; k++) {
        unsigned char next = (unsigned char)p[k];
        if (next < 0x80 || next > 0xBF) {
            return NULL;
        }
    }
    return p + 1 + more;
}

/* The closing quote of a string body of plain bytes and UTF-8 text, without
 * escapes or surrogates (it becomes a key's text); NULL otherwise. */
static inline const char *
text_string_end(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && PLAIN[(unsigned char)*p]) {
            p++;
        }
        if (p < end && (unsigned char)*p >= 0x80) {
            if ((p = utf8_end(p, end, 0)) == NULL) {
                return NULL;
            }
            continue;
        }
        return p < end && *p == '"' ? p : NULL;
    }
    return NULL;
}

static int
hex4(const char *p, const char *end, uint32_t *value)
{
    if (end - p < 4) {
        return 0;
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char h = p[k];
        int digit = is_digit(h)               ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
        if (digit < 0) {
            return 0;
        }
        v = v * 16 + (uint32_t)digit;
    }
    *value = v;
    return 1;
}

/* A JSON string body with escapes, decoded to UTF-8 into out (at most
 * MAX_KEY_TEXT bytes); the position after its closing quote, or NULL when it
 * is not one, too long, or holds a lone surrogate (a Python str may hold one,
 * a cell key's UTF-8 cannot). */
static const char *
decode_string(const char *p, const char *end, char *out, Py_ssize_t *len)
{
    Py_ssize_t n = 0;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        char piece[4];
        int size = 1;
        if (c == '"') {
            *len = n;
            return p + 1;
        }
        if (c < 0x20) {
            return NULL;
        }
        if (c == '\\') {
            if (++p >= end) {
                return NULL;
            }
            static const char ESCAPED[] = "\"\\/bfnrt", MEANS[] = "\"\\/\b\f\n\r\t";
            const char *simple = *p != '\0' ? strchr(ESCAPED, *p) : NULL;
            if (simple != NULL) {
                piece[0] = MEANS[simple - ESCAPED];
                p++;
            }
            else if (*p == 'u') {
                uint32_t code, low;
                if (!hex4(p + 1, end, &code)) {
                    return NULL;
                }
                p += 5;
                if (code >= 0xD800 && code <= 0xDBFF) { /* a pair makes one character */
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &low) ||
                        low < 0xDC00 || low > 0xDFFF) {
                        return NULL;
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                }
                else if (code >= 0xDC00 && code <= 0xDFFF) {
                    return NULL;
                }
                if (code < 0x80) {
                    piece[0] = (char)code;
                }
                else if (code < 0x800) {
                    piece[0] = (char)(0xC0 | (code >> 6));
                    piece[1] = (char)(0x80 | (code & 0x3F));
                    size = 2;
                }
                else if (code < 0x10000) {
                    piece[0] = (char)(0xE0 | (code >> 12));
                    piece[1] = (char)(0x80 | ((code >> 6) & 0x3F));
                    piece[2] = (char)(0x80 | (code & 0x3F));
                    size = 3;
                }
                else {
                    piece[0] = (char)(0xF0 | (code >> 18));
                    piece[1] = (char)(0x80 | ((code >> 12) & 0x3F));
                    piece[2] = (char)(0x80 | ((code >> 6) & 0x3F));
                    piece[3] = (char)(0x80 | (code & 0x3F));
                    size = 4;
                }
            }
            else {
                return NULL;
            }
        }
        else if (c >= 0x80) {
            const char *next = utf8_end(p, end, 0);
            if (next == NULL) {
                return NULL;
            }
            size = (int)(next - p);
            memcpy(piece, p, (size_t)size);
            p = next;
        }
        else {
            piece[0] = (char)c;
            p++;
        }
        if (n + size > MAX_KEY_TEXT) {
            return NULL;
        }
        memcpy(out + n, piece, (size_t)size);
        n += size;
    }
    return NULL;
}

/* Skip a JSON string body after its opening quote; NULL if it is not one. */
static const char *
skip_string(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && PLAIN[(unsigned char)*p]) {
            p++;
        }
        if (p >= end) {
            return NULL;
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            return p + 1;
        }
        if (c >= 0x80) {
            if ((p = utf8_end(p, end, 1)) == NULL) {
                return NULL;
            }
            continue;
        }
        if (c < 0x20) {
            return NULL;
        }
        if (c == '\\') {
            p++;
            if (p >= end) {
                return NULL;
            }
            if (*p == 'u') {
                if (end - p < 5) {
                    return NULL;
                }
                for (int k = 1; k <= 4; k++) {
                    char h = p[k];
                    if (!(is_digit(h) || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                        return NULL;
                    }
                }
                p += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", *p) || *p == '\0') {
                return NULL;
            }
        }
        p++;
    }
    return NULL;
}

static const char *
skip_literal(const char *p, const char *end, const char *word, size_t len)
{
    if ((size_t)(end - p) < len || memcmp(p, word, len) != 0) {
        return NULL;
    }
    return p + len;
}

static const char *skip_value(const char *p, const char *end, int depth);

/* Skip an object's members or an array's items, after the opening bracket, to
 * the closing one (`close`); NULL if they are not JSON. */
static const char *
skip_members(const char *p, const char *end, int depth, char close)
{
    p = skip_ws(p, end);
    if (p < end && *p == close) {
        return p + 1;
    }
    for (;;) {
        if (close == '}') { /* a key and its colon first */
            if (p >= end || *p != '"' || (p = skip_string(p + 1, end)) == NULL) {
                return NULL;
            }
            p = skip_ws(p, end);
            if (p >= end || *p != ':') {
                return NULL;
            }
            p = skip_ws(p + 1, end);
        }
        p = skip_value(p, end, depth + 1);
        if (p == NULL) {
            return NULL;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        return p < end && *p == close ? p + 1 : NULL;
    }
}

/* Skip any JSON value; NULL if it is not one (or not one this reader takes). */
static const char *
skip_value(const char *p, const char *end, int depth)
{
    if (p >= end || depth > MAX_DEPTH) {
        return NULL;
    }
    switch (*p) {
    case '"':
        return skip_string(p + 1, end);
    case 't':
        return skip_literal(p, end, "true", 4);
    case 'f':
        return skip_literal(p, end, "false", 5);
    case 'n':
        return skip_literal(p, end, "null", 4);
    case '{':
        return skip_members(p + 1, end, depth, '}');
    case '[':
        return skip_members(p + 1, end, depth, ']');
    default:
        return number_end(p, end);
    }
}

/* -- times -------------------------------------------------------------------- */

static int
two(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static int
all_digits(const char *p, int n)
{
    for (int k = 0; k < n; k++) {
        if (!is_digit(p[k])) {
            return 0;
        }
    }
    return 1;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The first and last moments Python's datetime holds (years 1 to 9999), in
 * microseconds since 1970: a time outside them is an error there. */
#define MIN_MICROS (-62135596800000000LL)
#define MAX_MICROS (253402300799999999LL)

/* The UTC day of a moment, as YYYY-MM-DD (Howard Hinnant's civil_from_days). */
static void
utc_day(int64_t micros, char out[10])
{
    int64_t days = micros / 86400000000LL - (micros % 86400000000LL < 0);
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    /* years 1 to 9999 only: parse_utc and epoch_micros keep moments inside them */
    out[0] = (char)('0' + year / 1000);
    out[1] = (char)('0' + year / 100 % 10);
    out[2] = (char)('0' + year / 10 % 10);
    out[3] = (char)('0' + year % 10);
    out[4] = '-';
    out[5] = (char)('0' + month / 10);
    out[6] = (char)('0' + month % 10);
    out[7] = '-';
    out[8] = (char)('0' + day / 10);
    out[9] = (char)('0' + day % 10);
}

/* YYYY-MM-DD[T ]HH:MM:SS[.f{3}|.f{6}] then Z or +HH:MM / -HH:MM, to microseconds
 * since 1970 UTC; 0 if not exactly that form, not a real date and time, or
 * outside the years Python's datetime holds. ``utc_day`` says whether the day
 * is the text's own (Z) or must be computed (an offset). */
static int
parse_utc(const char *t, Py_ssize_t len, int64_t *micros, int *own_day, int self_any_fraction)
{
    static const int MONTH_DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t offset = 0;
    if (len >= 25 && (t[len - 6] == '+' || t[len - 6] == '-') && t[len - 3] == ':' &&
        all_digits(t + len - 5, 2) && all_digits(t + len - 2, 2)) {
        int hours = two(t + len - 5), minutes = two(t + len - 2);
        if (hours > 23 || minutes > 59) {
            return 0;
        }
        offset = ((int64_t)hours * 60 + minutes) * 60000000LL * (t[len - 6] == '-' ? -1 : 1);
        len -= 5; /* the sign's place stands for the Z below */
        *own_day = 0;
    }
    else if (len >= 20 && t[len - 1] == 'Z') {
        *own_day = 1;
    }
    else {
        return 0;
    }
    if (len < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' ||
        t[16] != ':') {
        return 0;
    }
    if (!all_digits(t, 4) || !all_digits(t + 5, 2) || !all_digits(t + 8, 2) || !all_digits(t + 11, 2) ||
        !all_digits(t + 14, 2) || !all_digits(t + 17, 2)) {
        return 0;
    }
    int year = two(t) * 100 + two(t + 2);
    int month = two(t + 5), day = two(t + 8), hour = two(t + 11), minute = two(t + 14),
        second = two(t + 17);
    long fraction = 0;
    Py_ssize_t rest = len - 20; /* characters between the seconds and the Z */
    if (rest > 0) {
        /* Python 3.11's fromisoformat reads any number of digits after a dot or a comma
         * (to microseconds, cut, not rounded); 3.10's only milli- or microseconds */
        int any = self_any_fraction;
        if ((t[19] != '.' && !(any && t[19] == ',')) || rest < 2 || !all_digits(t + 20, (int)rest - 1) ||
            (!any && rest != 4 && rest != 7)) {
            return 0;
        }
        for (Py_ssize_t k = 0; k < 6; k++) {
            fraction = fraction * 10 + (k < rest - 1 ? t[20 + k] - '0' : 0);
        }
    }
    if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
        return 0;
    }
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int month_days = MONTH_DAYS[month - 1] + (month == 2 && leap);
    if (day < 1 || day > month_days) {
        return 0;
    }
    *micros = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60000000LL +
              (int64_t)second * 1000000LL + fraction - offset;
    return *micros >= MIN_MICROS && *micros <= MAX_MICROS;
}

/* An integer epoch time to microseconds, by its size as Python reads it: seconds
 * below 1e11, then milliseconds, microseconds, nanoseconds (floor division). */
static int
epoch_micros(int64_t value, int64_t *micros)
{
    int64_t magnitude = value < 0 ? -value : value;
    if (magnitude < 100000000000LL) {
        if (__builtin_mul_overflow(value, 1000000LL, micros)) {
            return 0;
        }
    }
    else if (magnitude < 100000000000000LL) {
        *micros = value * 1000LL;
    }
    else if (magnitude < 100000000000000000LL) {
        *micros = value;
    }
    else {
        *micros = value / 1000 - (value % 1000 < 0);
    }
    return *micros >= MIN_MICROS && *micros <= MAX_MICROS;
}

/* A float epoch time to microseconds, as Python reads it (times.py's _from_epoch,
 * then datetime.fromtimestamp): the unit by its size, one division, then whole
 * seconds and microseconds rounded half to even, as CPython's
 * _PyTime_DoubleToDenominator does. */
static int
float_epoch_micros(double value, int64_t *micros)
{
    if (!isfinite(value)) {
        return 0;
    }
    double magnitude = fabs(value);
    double per_second = magnitude < 1e11 ? 1.0 : magnitude < 1e14 ? 1e3 : magnitude < 1e17 ? 1e6 : 1e9;
    double whole;
    double fraction = modf(value / per_second, &whole) * 1e6;
    double rounded = round(fraction);
    if (fabs(fraction - rounded) == 0.5) {
        rounded = 2.0 * round(fraction / 2.0);
    }
    if (rounded >= 1e6) {
        rounded -= 1e6;
        whole += 1.0;
    }
    else if (rounded < 0) {
        rounded += 1e6;
        whole -= 1.0;
    }
    if (!(whole >= -62135596800.0 && whole <= 253402300799.0)) { /* years 1 to 9999 */
        return 0;
    }
    *micros = (int64_t)whole * 1000000LL + (int64_t)rounded;
    return *micros >= MIN_MICROS && *micros <= MAX_MICROS;
}

/* A number's text to a double as float() reads it (correctly rounded, which
 * strtod is; LC_NUMERIC stays "C" under Python). */
static int
text_to_double(const char *p, const char *q, double *out)
{
    char buffer[64];
    Py_ssize_t len = q - p;
    if (len <= 0 || len >= (Py_ssize_t)sizeof(buffer)) {
        return 0;
    }
    memcpy(buffer, p, (size_t)len);
    buffer[len] = '\0';
    char *stop;
    *out = strtod(buffer, &stop);
    return stop == buffer + len;
}

/* -- cells -------------------------------------------------------------------- */

static Cell *
new_cell(void)
{
    return (Cell *)calloc(1, sizeof(Cell));
}

static void
free_cell(Cell *cell)
{
    if (cell) {
        free(cell->histogram);
        free(cell);
    }
}

static int
grow_table(Aggregator *self)
{
    size_t capacity = self->capacity ? self->capacity * 2 : 256;
    Entry *entries = (Entry *)calloc(capacity, sizeof(Entry));
    if (entries == NULL) {
        return 0;
    }
    for (size_t i = 0; i < self->capacity; i++) {
        Entry *old = &self->entries[i];
        if (old->cell == NULL) {
            continue;
        }
        size_t at = old->hash & (capacity - 1);
        while (entries[at].cell != NULL) {
            at = (at + 1) & (capacity - 1);
        }
        entries[at] = *old;
    }
    free(self->entries);
    self->entries = entries;
    self->capacity = capacity;
    return 1;
}

/* The cell for a key, made if new; NULL when out of memory. */
static Cell *
find_cell(Aggregator *self, const char *key, size_t key_len)
{
    if ((self->used + 1) * 2 > self->capacity && !grow_table(self)) {
        return NULL;
    }
    uint64_t h = hash_key(key, key_len);
    size_t at = h & (self->capacity - 1);
    for (;;) {
        Entry *entry = &self->entries[at];
        if (entry->cell == NULL) {
            char *copy = (char *)malloc(key_len);
            Cell *cell = new_cell();
            if (copy == NULL || cell == NULL) {
                free(copy);
                free(cell);
                return NULL;
            }
            memcpy(copy, key, key_len);
            entry->hash = h;
            entry->key = copy;
            entry->key_len = key_len;
            entry->cell = cell;
            self->used++;
            return cell;
        }
        if (entry->hash == h && entry->key_len == key_len && memcmp(entry->key, key, key_len) == 0) {
            return entry->cell;
        }
        at = (at + 1) & (self->capacity - 1);
    }
}

static int
count_latency(Cell *cell, long bucket)
{
    if (cell->span == 0) {
        cell->histogram = (int64_t *)calloc(16, sizeof(int64_t));
        if (cell->histogram == NULL) {
            return 0;
        }
        cell->low = bucket - 8;
        cell->span = 16;
    }
    else if (bucket < cell->low || bucket >= cell->low + cell->span) {
        long low = bucket < cell->low ? bucket - 8 : cell->low;
        long high = bucket >= cell->low + cell->span ? bucket + 9 : cell->low + cell->span;
        int64_t *histogram = (int64_t *)calloc((size_t)(high - low), sizeof(int64_t));
        if (histogram == NULL) {
            return 0;
        }
        memcpy(histogram + (cell->low - low), cell->histogram, (size_t)cell->span * sizeof(int64_t));
        free(cell->histogram);
        cell->histogram = histogram;
        cell->low = low;
        cell->span = high - low;
    }
    cell->histogram[bucket - cell->low]++;
    return 1;
}

/* -- one line ----------------------------------------------------------------- */

enum { TAKEN, PUNTED, NO_MEMORY };

static const Slot *
pick(const Aggregator *self, int field)
{
    for (int r = 0; r < self->rank_count[field]; r++) {
        const Slot *slot = &self->slots[self->field_names[field][r]];
        if (slot->stamp == self->line_stamp && !slot->is_null) {
            return slot;
        }
    }
    return NULL;
}

/* Read one field's value into its slot; the position after it, or NULL to punt. */
static const char *
read_value(Slot *slot, int kind, const char *p, const char *end)
{
    if (p < end && *p == 'n') {
        slot->is_null = 1;
        return skip_literal(p, end, "null", 4);
    }
    slot->is_null = 0;
    switch (kind) {
    case K_TIME:
        if (p < end && *p != '"') { /* an epoch number: an integer, or a float as json reads it */
            const char *q = number_end(p, end);
            if (q == NULL) {
                return NULL;
            }
            if (memchr(p, '.', (size_t)(q - p)) || memchr(p, 'e', (size_t)(q - p)) ||
                memchr(p, 'E', (size_t)(q - p))) {
                if (!text_to_double(p, q, &slot->d)) {
                    return NULL;
                }
                slot->is_number = 2;
                return q;
            }
            int negative = *p == '-';
            int64_t value = 0;
            for (const char *d = p + negative; d < q; d++) {
                if (!is_digit(*d) || __builtin_mul_overflow(value, 10, &value) ||
                    __builtin_add_overflow(value, *d - '0', &value)) {
                    return NULL;
                }
            }
            slot->is_number = 1;
            slot->i = negative ? -value : value;
            return q;
        }
        slot->is_number = 0;
        /* fall through: a time as text */
    case K_STR: {
        if (p >= end || *p != '"') {
            return NULL;
        }
        const char *start = ++p;
        p = text_string_end(p, end);
        if (p == NULL) { /* escapes, most likely: decoded into the slot */
            slot->str = slot->text;
            return decode_string(start, end, slot->text, &slot->len);
        }
        if (p - start > MAX_KEY_TEXT) {
            return NULL;
        }
        slot->str = start;
        slot->len = p - start;
        return p + 1;
    }
    case K_BOOL:
        if (p < end && *p == 't') {
            slot->i = 1;
            return skip_literal(p, end, "true", 4);
        }
        slot->i = 0;
        return skip_literal(p, end, "false", 5);
    case K_INT: {
        const char *q = number_end(p, end);
        if (q == NULL) {
            return NULL;
        }
        int negative = *p == '-';
        const char *d = p + negative;
        if (q - d > MAX_INT_DIGITS) {
            return NULL;
        }
        int64_t value = 0;
        for (; d < q; d++) {
            if (!is_digit(*d)) {
                return NULL; /* a fraction or an exponent: Python coerces it */
            }
            value = value * 10 + (*d - '0');
        }
        if (negative && value != 0) {
            return NULL; /* the general path reports it */
        }
        slot->i = value;
        return q;
    }
    default: {
        const char *q = number_end(p, end);
        if (q == NULL || !to_double(p, q, &slot->d)) {
            return NULL;
        }
        return q;
    }
    }
}

static inline int
add_overflows(int64_t *sum, int64_t value)
{
    return __builtin_add_overflow(*sum, value, sum);
}

/* A status word that means success, as the Python side's table says: trimmed of
 * spaces, in any case (ASCII only; the caller hands anything else back). */
static int
is_ok_status(const Aggregator *self, const char *s, Py_ssize_t len)
{
    while (len > 0 && *s == ' ') {
        s++;
        len--;
    }
    while (len > 0 && s[len - 1] == ' ') {
        len--;
    }
    for (Py_ssize_t k = 0; k < self->n_ok; k++) {
        const Name *word = &self->ok_words[k];
        if (word->len != len) {
            continue;
        }
        Py_ssize_t i = 0;
        while (i < len) {
            char c = s[i];
            if (c >= 'A' && c <= 'Z') {
                c = (char)(c - 'A' + 'a');
            }
            if (c != word->text[i]) {
                break;
            }
            i++;
        }
        if (i == len) {
            return 1;
        }
    }
    return 0;
}

static void
put_text(char **w, const Slot *slot)
{
    Py_ssize_t len = slot ? slot->len : 0;
    *(*w)++ = (char)len;
    if (len) {
        memcpy(*w, slot->str, (size_t)len);
        *w += len;
    }
}

static int add_record(Aggregator *self, int *untimed);

static int
take_line(Aggregator *self, const char *p, const char *end, int *untimed)
{
    self->line_stamp++;
    p = skip_ws(p, end);
    if (p >= end || *p != '{') {
        return PUNTED;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    }
    else {
        for (;;) {
            if (p >= end || *p != '"') {
                return PUNTED;
            }
            const char *key = ++p;
            p = plain_string_end(p, end);
            if (p == NULL) {
                return PUNTED;
            }
            int index = find_name(self, key, p - key);
            p = skip_ws(p + 1, end);
            if (p >= end || *p != ':') {
                return PUNTED;
            }
            p = skip_ws(p + 1, end);
            if (index < 0) {
                p = skip_value(p, end, 0);
            }
            else {
                const Name *name = &self->names[index];
                Slot *slot = &self->slots[index];
                if (name->field == PUNT_FIELD || slot->stamp == self->line_stamp) {
                    return PUNTED; /* another record type, or a field given twice */
                }
                slot->stamp = self->line_stamp;
                p = read_value(slot, FIELD_KIND[name->field], p, end);
            }
            if (p == NULL) {
                return PUNTED;
            }
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return PUNTED;
        }
    }
    if (skip_ws(p, end) != end) {
        return PUNTED;
    }
    return add_record(self, untimed);
}

/* Add the record whose fields are in the slots of the current line stamp. */
static int
add_record(Aggregator *self, int *untimed)
{
    const Slot *s;
    int64_t input = (s = pick(self, F_INPUT)) ? s->i : 0;
    int64_t output = (s = pick(self, F_OUTPUT)) ? s->i : 0;
    int64_t cached = (s = pick(self, F_CACHED)) ? s->i : 0;
    if (self->long_input >= 0 && input > self->long_input) {
        return PUNTED; /* a request a price tier may price: Python keeps its tokens apart */
    }
    if (cached > input) {
        cached = input;
    }
    const Slot *model = pick(self, F_MODEL);
    if ((model == NULL || model->len == 0) && input == 0 && output == 0 && cached == 0) {
        return PUNTED; /* no model and no tokens: not a usage event; Python says why */
    }
    int ok;
    const Slot *status = pick(self, F_STATUS);
    if (status) {
        for (Py_ssize_t k = 0; k < status->len; k++) {
            unsigned char c = (unsigned char)status->str[k];
            if (c >= 0x80 || (c < 0x20 && c != ' ')) {
                /* str.lower() maps some letters outside ASCII into it; str.strip() takes
                 * control characters such as \x1f for whitespace (a CSV cell may hold them) */
                return PUNTED;
            }
        }
        ok = is_ok_status(self, status->str, status->len);
    }
    else {
        const Slot *error_type = pick(self, F_ERROR_TYPE);
        const Slot *error = pick(self, F_ERROR);
        ok = (error_type == NULL || error_type->len == 0) && !(error && error->i);
    }
    int32_t segment = 0;
    const Slot *time = pick(self, F_TIME);
    char day_text[11];
    Slot day = {0};
    if (time) {
        int64_t micros;
        int own_day = 0;
        if (time->is_number == 2   ? !float_epoch_micros(time->d, &micros)
            : time->is_number == 1 ? !epoch_micros(time->i, &micros)
                                   : !parse_utc(time->str, time->len, &micros, &own_day, self->any_fraction)) {
            return PUNTED; /* another form of time, or not a time: Python decides */
        }
        if (own_day) { /* a UTC time starts with its day */
            day.str = time->str;
        }
        else {
            utc_day(micros, day_text);
            day.str = day_text;
        }
        day.len = 10;
        Py_ssize_t lo = 0, hi = self->n_boundaries;
        while (lo < hi) { /* bisect_right */
            Py_ssize_t mid = (lo + hi) / 2;
            if (micros < self->boundaries[mid]) {
                hi = mid;
            }
            else {
                lo = mid + 1;
            }
        }
        segment = (int32_t)lo;
    }
    else {
        segment = self->n_boundaries ? -1 : 0;
    }
    const Slot *escalated = pick(self, F_ESCALATED);

    /* the key: segment, escalated, then day, role, model, provider, variant as length + text */
    char key[5 + 5 * (1 + MAX_KEY_TEXT)];
    char *w = key;
    memcpy(w, &segment, 4);
    w += 4;
    *w++ = (char)(escalated && escalated->i);
    put_text(&w, time ? &day : NULL);
    put_text(&w, pick(self, F_ROLE));
    put_text(&w, pick(self, F_MODEL));
    put_text(&w, pick(self, F_PROVIDER));
    put_text(&w, pick(self, F_VARIANT));

    Cell *cell = find_cell(self, key, (size_t)(w - key));
    if (cell == NULL) {
        return NO_MEMORY;
    }
    const Slot *cost = pick(self, F_COST);
    Cell next = *cell;
    if (add_overflows(&next.input, input) || add_overflows(&next.output, output) ||
        add_overflows(&next.cached, cached) ||
        (cost == NULL && (add_overflows(&next.open_input, input) || add_overflows(&next.open_output, output) ||
                          add_overflows(&next.open_cached, cached)))) {
        return PUNTED; /* sums past 2**63: Python's integers take them */
    }
    next.requests++;
    next.errors += !ok;
    if (cost) {
        next.recorded_cost += cost->d;
        next.recorded_n++;
    }
    const Slot *quality = pick(self, F_QUALITY);
    if (quality) {
        next.quality_sum += quality->d;
        next.quality_n++;
    }
    const Slot *latency_ms = pick(self, F_LATENCY_MS);
    const Slot *latency_s = latency_ms ? NULL : pick(self, F_LATENCY_S);
    if (latency_ms || latency_s) {
        double latency = latency_ms ? latency_ms->d / 1000 : latency_s->d;
        double clamped = latency > self->min_latency ? latency : self->min_latency;
        if (!count_latency(&next, (long)ceil(log(clamped) / self->log_gamma))) {
            return NO_MEMORY;
        }
    }
    *cell = next;
    if (!time) {
        (*untimed)++;
    }
    return TAKEN;
}

/* -- the Python type ---------------------------------------------------------- */

static void
Aggregator_dealloc(Aggregator *self)
{
    for (size_t i = 0; i < self->capacity; i++) {
        if (self->entries[i].cell) {
            free(self->entries[i].key);
            free_cell(self->entries[i].cell);
        }
    }
    free(self->entries);
    free(self->boundaries);
    free(self->columns);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
add_name(Aggregator *self, PyObject *text, int field, int rank)
{
    Py_ssize_t len;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &len);
    if (utf8 == NULL) {
        return -1;
    }
    if (self->n_names >= MAX_NAMES) {
        PyErr_SetString(PyExc_ValueError, "too many field names");
        return -1;
    }
    if (find_name(self, utf8, len) >= 0) {
        PyErr_Format(PyExc_ValueError, "field name %R given twice", text);
        return -1;
    }
    if (PyList_Append(self->keep, text) < 0) {
        return -1;
    }
    int index = self->n_names++;
    self->names[index] = (Name){utf8, len, field, rank};
    size_t at = name_hash(utf8, len) & (NAME_SLOTS - 1);
    while (self->name_slots[at] >= 0) {
        at = (at + 1) & (NAME_SLOTS - 1);
    }
    self->name_slots[at] = index;
    if (field != PUNT_FIELD) {
        self->field_names[field][rank] = index;
        self->rank_count[field] = rank + 1;
    }
    return 0;
}

static int
Aggregator_init(Aggregator *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"fields",     "punt",        "boundaries",   "log_gamma", "min_latency",
                               "long_input", "ok_statuses", "any_fraction", NULL};
    PyObject *fields, *punt, *boundaries;
    double log_gamma, min_latency;
    long long long_input = -1;
    PyObject *ok_statuses = NULL;
    int any_fraction = 0;
    /* A second __init__ is refused before it touches anything a first one set up. */
    if (self->keep != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "an Aggregator is set up once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOdd|LOp", keywords, &fields, &punt, &boundaries,
                                     &log_gamma, &min_latency, &long_input, &ok_statuses, &any_fraction)) {
        return -1;
    }
    self->log_gamma = log_gamma;
    self->min_latency = min_latency;
    self->long_input = long_input;
    self->any_fraction = any_fraction;
    self->keep = PyList_New(0);
    if (self->keep == NULL) {
        return -1;
    }
    if (ok_statuses != NULL) {
        PyObject *words = PySequence_Fast(ok_statuses, "ok_statuses must be a sequence of words");
        if (words == NULL) {
            return -1;
        }
        for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(words); k++) {
            PyObject *word = PySequence_Fast_GET_ITEM(words, k);
            Py_ssize_t len;
            const char *text = PyUnicode_AsUTF8AndSize(word, &len);
            if (text == NULL || self->n_ok >= 16 || PyList_Append(self->keep, word) < 0) {
                if (text != NULL && self->n_ok >= 16) {
                    PyErr_SetString(PyExc_ValueError, "too many status words");
                }
                Py_DECREF(words);
                return -1;
            }
            self->ok_words[self->n_ok++] = (Name){text, len, 0, 0};
        }
        Py_DECREF(words);
    }
    for (int k = 0; k < NAME_SLOTS; k++) {
        self->name_slots[k] = -1;
    }
    PyObject *field_seq = PySequence_Fast(fields, "fields must be a sequence");
    if (field_seq == NULL) {
        return -1;
    }
    if (PySequence_Fast_GET_SIZE(field_seq) != N_FIELDS) {
        PyErr_Format(PyExc_ValueError, "expected names for %d fields", N_FIELDS);
        Py_DECREF(field_seq);
        return -1;
    }
    for (int f = 0; f < N_FIELDS; f++) {
        PyObject *names = PySequence_Fast(PySequence_Fast_GET_ITEM(field_seq, f), "names must be a sequence");
        if (names == NULL) {
            Py_DECREF(field_seq);
            return -1;
        }
        for (Py_ssize_t r = 0; r < PySequence_Fast_GET_SIZE(names); r++) {
            if (add_name(self, PySequence_Fast_GET_ITEM(names, r), f, (int)r) < 0) {
                Py_DECREF(names);
                Py_DECREF(field_seq);
                return -1;
            }
        }
        Py_DECREF(names);
    }
    Py_DECREF(field_seq);
    PyObject *punt_seq = PySequence_Fast(punt, "punt must be a sequence");
    if (punt_seq == NULL) {
        return -1;
    }
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(punt_seq); k++) {
        if (add_name(self, PySequence_Fast_GET_ITEM(punt_seq, k), PUNT_FIELD, 0) < 0) {
            Py_DECREF(punt_seq);
            return -1;
        }
    }
    Py_DECREF(punt_seq);
    PyObject *bound_seq = PySequence_Fast(boundaries, "boundaries must be a sequence");
    if (bound_seq == NULL) {
        return -1;
    }
    self->n_boundaries = PySequence_Fast_GET_SIZE(bound_seq);
    self->boundaries = (int64_t *)calloc((size_t)self->n_boundaries + 1, sizeof(int64_t));
    if (self->boundaries == NULL) {
        Py_DECREF(bound_seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < self->n_boundaries; k++) {
        self->boundaries[k] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(bound_seq, k));
        if (self->boundaries[k] == -1 && PyErr_Occurred()) {
            Py_DECREF(bound_seq);
            return -1;
        }
    }
    Py_DECREF(bound_seq);
    return 0;
}

typedef struct {
    Py_ssize_t *items;
    Py_ssize_t count, capacity;
} Indexes;

static int
push_index(Indexes *list, Py_ssize_t value)
{
    if (list->count == list->capacity) {
        Py_ssize_t capacity = list->capacity ? list->capacity * 2 : 64;
        Py_ssize_t *items = (Py_ssize_t *)realloc(list->items, (size_t)capacity * sizeof(Py_ssize_t));
        if (items == NULL) {
            return 0;
        }
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = value;
    return 1;
}

/* The indexes as a Python list; the items are freed either way. */
static PyObject *
index_list(Indexes *list)
{
    PyObject *out = PyList_New(list->count);
    for (Py_ssize_t k = 0; out != NULL && k < list->count; k++) {
        PyObject *number = PyLong_FromSsize_t(list->items[k]);
        if (number == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, k, number);
    }
    free(list->items);
    list->items = NULL;
    return out;
}

static PyObject *
Aggregator_feed(Aggregator *self, PyObject *arg)
{
    Py_buffer view;
    if (self->keep == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Aggregator.__init__ was not called");
        return NULL;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "an Aggregator is fed from one thread at a time");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    self->busy = 1;
    Indexes punted = {NULL, 0, 0};
    Py_ssize_t records = 0, lines = 0;
    int untimed = 0;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    const char *p = (const char *)view.buf;
    const char *end = p + view.len;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = newline ? newline : end;
        const char *q = p;
        /* blank lines are not records, as bytes.strip() sees them */
        while (q < line_end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\x0b' || *q == '\x0c')) {
            q++;
        }
        if (q < line_end) {
            int outcome = take_line(self, p, line_end, &untimed); /* JSON's own whitespace is narrower */
            if (outcome == NO_MEMORY || (outcome == PUNTED && !push_index(&punted, records))) {
                failed = 1;
                break;
            }
            records++;
        }
        lines++;
        p = newline ? newline + 1 : end;
    }
    Py_END_ALLOW_THREADS
    self->busy = 0;
    PyBuffer_Release(&view);
    if (failed) {
        free(punted.items);
        return PyErr_NoMemory();
    }
    PyObject *indexes = index_list(&punted);
    if (indexes == NULL) {
        return NULL;
    }
    return Py_BuildValue("(Nnin)", indexes, records, untimed, lines);
}

/* -- CSV -------------------------------------------------------------------------
 *
 * Rows of a CSV file with a header, read as Python's csv.DictReader reads them
 * (the general path): empty cells are absent, cells past the header are
 * dropped, blank lines are no rows. Values are text, converted as the general
 * path converts text: a token count of digits, a number by JSON's grammar, a
 * flag of 1/true/yes/y, a time as text or as epoch digits. A row with anything
 * else in a field it reads goes back whole; a chunk whose rows it cannot
 * delimit as the csv module does (a bare carriage return, a quote inside an
 * unquoted cell, text after a closing quote, a NUL byte) goes back whole. */

enum {
    ROW_TAKEN = TAKEN,
    ROW_PUNTED = PUNTED,
    ROW_NO_MEMORY = NO_MEMORY,
    ROW_BLANK,
    ROW_INCOMPLETE,
    ROW_ODD,
};

static int
csv_value(Slot *slot, int kind, const char *p, const char *end, int doubled)
{
    slot->is_null = 0;
    slot->is_number = 0;
    if (kind == K_TIME) {
        const char *d = p + (p < end && *p == '-');
        if (d < end && all_digits(d, (int)(end - d)) && end - d <= 19) {
            int64_t value = 0;
            for (; d < end; d++) {
                if (__builtin_mul_overflow(value, 10, &value) ||
                    __builtin_add_overflow(value, *d - '0', &value)) {
                    return 0;
                }
            }
            slot->is_number = 1;
            slot->i = *p == '-' ? -value : value;
            return 1;
        }
        /* digits, a point, digits: times.py reads it as float(text) */
        const char *point = d < end && end - d < 64 ? memchr(d, '.', (size_t)(end - d)) : NULL;
        if (point && point > d && point + 1 < end && all_digits(d, (int)(point - d)) &&
            all_digits(point + 1, (int)(end - point - 1)) && text_to_double(p, end, &slot->d)) {
            slot->is_number = 2;
            return 1;
        }
        kind = K_STR;
    }
    switch (kind) {
    case K_STR:
        if (doubled || end - p > MAX_KEY_TEXT) {
            return 0;
        }
        for (const char *q = p; q < end;) {
            if ((unsigned char)*q >= 0x80) {
                if ((q = utf8_end(q, end, 0)) == NULL) {
                    return 0; /* csv's errors="replace" would change the text */
                }
            }
            else {
                q++;
            }
        }
        slot->str = p;
        slot->len = end - p;
        return 1;
    case K_INT: {
        if (end - p > MAX_INT_DIGITS || !all_digits(p, (int)(end - p))) {
            return 0; /* a sign, a fraction, spaces: float() decides */
        }
        int64_t value = 0;
        for (; p < end; p++) {
            value = value * 10 + (*p - '0');
        }
        slot->i = value;
        return 1;
    }
    case K_NUM:
        return number_end(p, end) == end && to_double(p, end, &slot->d);
    default: { /* K_BOOL: "1", "true", "yes", "y" in any case are true; other words false */
        static const char *const YES[] = {"1", "true", "yes", "y"};
        char word[6] = {0};
        Py_ssize_t len = end - p;
        for (Py_ssize_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)p[k];
            if (c >= 0x80 || c <= ' ') {
                return 0; /* str.strip() and str.lower() go past ASCII */
            }
            if (k < 5) {
                word[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            }
        }
        slot->i = 0;
        for (size_t k = 0; len <= 4 && k < sizeof(YES) / sizeof(YES[0]); k++) {
            if ((Py_ssize_t)strlen(YES[k]) == len && memcmp(word, YES[k], (size_t)len) == 0) {
                slot->i = 1;
            }
        }
        return 1;
    }
    }
}

/* Bytes that end an unquoted CSV cell, or make it one the csv module reads its own way. */
static unsigned char CSV_STOP[256];

static void
fill_csv_stop(void)
{
    CSV_STOP[(unsigned char)','] = CSV_STOP[(unsigned char)'\n'] = CSV_STOP[(unsigned char)'\r'] = 1;
    CSV_STOP[(unsigned char)'"'] = CSV_STOP[0] = 1;
}

/* One row from p; *next is where the next row starts, *lines how many lines it
 * spans as csv's line_num counts them (line breaks inside quotes count). */
static int
csv_row(Aggregator *self, const char *p, const char *end, int at_eof, const char **next, int *untimed,
        Py_ssize_t *lines)
{
    *lines = 1;
    if (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))) {
        *next = p + (*p == '\r' ? 2 : 1);
        return ROW_BLANK;
    }
    if (p == end) {
        *lines = 0;
        *next = end;
        return ROW_BLANK;
    }
    self->line_stamp++;
    int punt = 0;
    for (Py_ssize_t column = 0;; column++) {
        const char *start, *stop;
        int doubled = 0;
        if (p < end && *p == '"') {
            start = ++p;
            for (;;) {
                const char *quote = memchr(p, '"', (size_t)(end - p));
                if (quote == NULL || (quote + 1 == end && !at_eof)) {
                    /* the chunk ends inside the cell; the file too: the csv module decides */
                    return at_eof && quote == NULL ? ROW_ODD : ROW_INCOMPLETE;
                }
                for (const char *q = p; q < quote; q++) { /* csv's line_num: \n, \r\n and a lone \r */
                    *lines += *q == '\n' || (*q == '\r' && q[1] != '\n');
                }
                if (quote + 1 < end && quote[1] == '"') {
                    doubled = 1;
                    p = quote + 2;
                    continue;
                }
                stop = quote;
                p = quote + 1;
                break;
            }
            if (memchr(start, '\0', (size_t)(stop - start)) != NULL) {
                return ROW_ODD;
            }
        }
        else {
            start = p;
            while (p < end && !CSV_STOP[(unsigned char)*p]) {
                p++;
            }
            stop = p;
        }
        /* the cell ends at a comma or the row's end; anything else the csv module reads its own way */
        int row_end = p == end || *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n');
        if (!row_end && *p != ',') {
            if (*p == '\r' && p + 1 == end && !at_eof) {
                return ROW_INCOMPLETE;
            }
            return ROW_ODD;
        }
        if (p == end && !at_eof) {
            return ROW_INCOMPLETE;
        }
        if (stop > start && column < self->n_columns && self->columns[column] >= 0) {
            int index = self->columns[column];
            const Name *name = &self->names[index];
            Slot *slot = &self->slots[index];
            if (name->field == PUNT_FIELD) {
                punt = 1;
            }
            else {
                slot->stamp = self->line_stamp;
                if (!csv_value(slot, FIELD_KIND[name->field], start, stop, doubled)) {
                    punt = 1;
                }
            }
        }
        if (row_end) {
            *next = p == end ? end : p + (*p == '\r' ? 2 : 1);
            break;
        }
        p++; /* the comma */
    }
    return punt ? ROW_PUNTED : add_record(self, untimed);
}

static PyObject *
Aggregator_set_columns(Aggregator *self, PyObject *arg)
{
    if (self->keep == NULL || self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "set_columns() needs a set-up Aggregator that is not being fed");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(arg, "columns must be a sequence of names");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int *columns = (int *)calloc((size_t)n + 1, sizeof(int));
    if (columns == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t len;
        const char *text = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, k), &len);
        if (text == NULL) {
            free(columns);
            Py_DECREF(seq);
            return NULL;
        }
        columns[k] = find_name(self, text, len);
    }
    Py_DECREF(seq);
    free(self->columns);
    self->columns = columns;
    self->n_columns = n;
    Py_RETURN_NONE;
}

static PyObject *
Aggregator_feed_csv(Aggregator *self, PyObject *args)
{
    Py_buffer view;
    int at_eof;
    if (self->keep == NULL || self->columns == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "feed_csv() needs set_columns() first");
        return NULL;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "an Aggregator is fed from one thread at a time");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*p", &view, &at_eof)) {
        return NULL;
    }
    self->busy = 1;
    Indexes punted = {NULL, 0, 0};
    Py_ssize_t records = 0, lines = 0, used = 0;
    int untimed = 0, outcome = ROW_TAKEN;
    Py_BEGIN_ALLOW_THREADS
    const char *start = (const char *)view.buf;
    const char *p = start, *end = start + view.len;
    while (p < end) {
        const char *next = end;
        Py_ssize_t row_lines = 0;
        outcome = csv_row(self, p, end, at_eof, &next, &untimed, &row_lines);
        if (outcome == ROW_INCOMPLETE || outcome == ROW_ODD || outcome == ROW_NO_MEMORY) {
            break;
        }
        if (outcome != ROW_BLANK) {
            if (outcome == ROW_PUNTED && !push_index(&punted, records)) {
                outcome = ROW_NO_MEMORY;
                break;
            }
            records++;
        }
        lines += row_lines;
        p = next;
        used = p - start;
        outcome = ROW_TAKEN;
    }
    Py_END_ALLOW_THREADS
    self->busy = 0;
    PyBuffer_Release(&view);
    if (outcome == ROW_NO_MEMORY) {
        free(punted.items);
        return PyErr_NoMemory();
    }
    PyObject *indexes = index_list(&punted);
    if (indexes == NULL) {
        return NULL;
    }
    /* odd: from `used` on, rows the csv module splits its own way; Python reads them */
    return Py_BuildValue("(NninnN)", indexes, records, untimed, lines, used,
                         PyBool_FromLong(outcome == ROW_ODD));
}

static PyObject *
text_at(const char **r)
{
    Py_ssize_t len = (unsigned char)*(*r)++;
    PyObject *text = PyUnicode_DecodeUTF8(*r, len, NULL);
    *r += len;
    return text;
}

static PyObject *
cell_key(const Entry *entry)
{
    int32_t segment;
    const char *r = entry->key;
    memcpy(&segment, r, 4);
    r += 4;
    int escalated = *r++;
    PyObject *key = PyTuple_New(7);
    if (key == NULL) {
        return NULL;
    }
    PyObject *segment_number = PyLong_FromLong(segment);
    if (segment_number == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    PyTuple_SET_ITEM(key, 0, segment_number);
    for (int k = 1; k <= 5; k++) {
        PyObject *text = text_at(&r);
        if (text == NULL) {
            Py_DECREF(key);
            return NULL;
        }
        PyTuple_SET_ITEM(key, k, text);
    }
    PyTuple_SET_ITEM(key, 6, PyBool_FromLong(escalated));
    return key;
}

static PyObject *
cell_value(const Cell *c)
{
    PyObject *histogram = PyDict_New();
    if (histogram == NULL) {
        return NULL;
    }
    for (long k = 0; k < c->span; k++) {
        if (c->histogram[k] == 0) {
            continue;
        }
        PyObject *bucket = PyLong_FromLong(c->low + k);
        PyObject *count = PyLong_FromLongLong(c->histogram[k]);
        int failed = bucket == NULL || count == NULL || PyDict_SetItem(histogram, bucket, count) < 0;
        Py_XDECREF(bucket);
        Py_XDECREF(count);
        if (failed) {
            Py_DECREF(histogram);
            return NULL;
        }
    }
    return Py_BuildValue("[LLLLLdLLLLdLN]", (long long)c->requests, (long long)c->errors,
                         (long long)c->input, (long long)c->output, (long long)c->cached, c->recorded_cost,
                         (long long)c->recorded_n, (long long)c->open_input, (long long)c->open_output,
                         (long long)c->open_cached, c->quality_sum, (long long)c->quality_n, histogram);
}

static PyObject *
Aggregator_cells(Aggregator *self, PyObject *Py_UNUSED(ignored))
{
    /* feed() in another thread may be growing the table these would be read from. */
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "an Aggregator's cells are read while it is not being fed");
        return NULL;
    }
    PyObject *cells = PyDict_New();
    if (cells == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < self->capacity; i++) {
        const Entry *entry = &self->entries[i];
        if (entry->cell == NULL || entry->cell->requests == 0) {
            continue; /* made for a line that then went back */
        }
        PyObject *key = cell_key(entry);
        PyObject *value = key ? cell_value(entry->cell) : NULL;
        int failed = value == NULL || PyDict_SetItem(cells, key, value) < 0;
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (failed) {
            Py_DECREF(cells);
            return NULL;
        }
    }
    return cells;
}

static PyMethodDef Aggregator_methods[] = {
    {"feed", (PyCFunction)Aggregator_feed, METH_O,
     "feed(data) -> (indexes of the records handed back, records, untimed events, lines)"},
    {"cells", (PyCFunction)Aggregator_cells, METH_NOARGS, "cells() -> the cells added up so far"},
    {"set_columns", (PyCFunction)Aggregator_set_columns, METH_O, "set_columns(names): a CSV file's header"},
    {"feed_csv", (PyCFunction)Aggregator_feed_csv, METH_VARARGS,
     "feed_csv(rows, at_eof) -> (rows handed back, rows, untimed, lines, bytes used, odd)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AggregatorType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "hybridctl.usage._scanner.Aggregator",
    .tp_basicsize = sizeof(Aggregator),
    .tp_dealloc = (destructor)Aggregator_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Adds JSON-lines usage events into cells; hands back the lines it does not take.",
    .tp_methods = Aggregator_methods,
    .tp_init = (initproc)Aggregator_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef scanner_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_scanner",
    .m_doc = "The compiled reader for JSON-lines usage logs.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__scanner(void)
{
    fill_plain();
    fill_csv_stop();
    if (PyType_Ready(&AggregatorType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&scanner_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&AggregatorType);
    if (PyModule_AddObject(module, "Aggregator", (PyObject *)&AggregatorType) < 0) {
        Py_DECREF(&AggregatorType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
