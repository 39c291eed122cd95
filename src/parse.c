/* Parsing of numbers and sizes, shared by the command line, the profile parser and the
 * layers' settings.  Everything is strict: no sign, no trailing garbage, no silent overflow. */
#include "lamina.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int lm_parse_u64(const char *s, uint64_t max, bool allow_suffix, uint64_t *out)
{
	if (!s || !*s)
		return -1;
	if (allow_suffix && (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0)) {
		*out = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]))
		return -1; /* no sign, no space */
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	uint64_t mul = 1;
	if (*end && allow_suffix) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			mul = 1ull << 10;
			break;
		case 'M':
			mul = 1ull << 20;
			break;
		case 'G':
			mul = 1ull << 30;
			break;
		case 'T':
			mul = 1ull << 40;
			break;
		default:
			return -1;
		}
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end)
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	v *= mul;
	if (v > max)
		return -1;
	*out = v;
	return 0;
}
