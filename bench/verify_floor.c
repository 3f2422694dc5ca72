/*
 * bench/verify_floor.c: what the event walk of `audit verify` costs at the least, on this
 * machine: a reference for benchmark 2, not part of ciiguard.
 *
 *   verify_floor scan DB   steps over every audit event in seq order, fetching all ten
 *                          columns (sqlite3_column_text + _bytes), nothing else
 *   verify_floor hash DB   the same, plus the chain check with no frills: the event's
 *                          preimage (as lib/audit.c builds it, with memcpy and a hand-rolled
 *                          itoa instead of snprintf), SHA-256 of it and of the state with one
 *                          pre-fetched EVP_MD and a reused EVP_MD_CTX, hex compare against
 *                          hash/state_hash, prev_hash against the previous hash
 *
 * Neither keeps the per-entity table nor checks the current records (the other ~7% of the
 * bytes verify hashes). FLOOR_PRAGMAS, when set, runs first (e.g. "PRAGMA mmap_size=...").
 * Prints "events bytes_hashed seconds" (bytes_hashed is 0 for scan).
 *
 * Build: cc -O2 -o verify_floor bench/verify_floor.c -lsqlite3 -lcrypto
 */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *utoa(char *p, unsigned long long v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *net(char *p, const unsigned char *s, int n)
{
	p = utoa(p, (unsigned long long)n);
	*p++ = ':';
	memcpy(p, s, (size_t)n);
	p += n;
	*p++ = ',';
	return p;
}

static const char hexdig[] = "0123456789abcdef";

static int hex_eq(const unsigned char d[32], const unsigned char *hex, int n)
{
	if (n != 64)
		return 0;
	for (int i = 0; i < 32; i++)
		if (hex[2 * i] != hexdig[d[i] >> 4] || hex[2 * i + 1] != hexdig[d[i] & 15])
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static char buf[8192];
	unsigned char prev[64], d[32];
	unsigned long long events = 0, bytes = 0, touched = 0;
	int hash;
	double t0, t1;

	if (argc != 3 || (strcmp(argv[1], "scan") && strcmp(argv[1], "hash"))) {
		fprintf(stderr, "usage: verify_floor scan|hash DB\n");
		return 2;
	}
	hash = strcmp(argv[1], "hash") == 0;
	memset(prev, '0', sizeof prev);
	t0 = now();
	if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, getenv("FLOOR_PRAGMAS") ? getenv("FLOOR_PRAGMAS") : "", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT seq, at, actor, action, entity_type, entity_id, state, "
			       "state_hash, prev_hash, hash FROM audit_events ORDER BY seq", -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "verify_floor: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *c[10];
		int n[10];
		for (int i = 0; i < 10; i++) {
			c[i] = sqlite3_column_text(q, i);
			n[i] = sqlite3_column_bytes(q, i);
			touched += (unsigned)n[i];
		}
		events++;
		if (!hash)
			continue;
		char *p = buf;
		memcpy(p, "ciiguard-audit-v1\n", 18);
		p += 18;
		for (int i = 0; i < 9; i++) {
			if (i == 6) /* state is not in the preimage */
				continue;
			if (!c[i] || n[i] > 1000) {
				fprintf(stderr, "verify_floor: event %llu malformed\n", events);
				return 1;
			}
			p = net(p, c[i], n[i]);
		}
		if (n[8] != 64 || memcmp(c[8], prev, 64) != 0) {
			fprintf(stderr, "verify_floor: event %llu: broken link\n", events);
			return 1;
		}
		EVP_DigestInit_ex2(ctx, md, NULL);
		EVP_DigestUpdate(ctx, buf, (size_t)(p - buf));
		EVP_DigestFinal_ex(ctx, d, NULL);
		bytes += (unsigned long long)(p - buf);
		if (!hex_eq(d, c[9], n[9])) {
			fprintf(stderr, "verify_floor: event %llu: bad hash\n", events);
			return 1;
		}
		if (c[6]) {
			EVP_DigestInit_ex2(ctx, md, NULL);
			EVP_DigestUpdate(ctx, c[6], (size_t)n[6]);
			EVP_DigestFinal_ex(ctx, d, NULL);
			bytes += (unsigned long long)n[6];
			if (!hex_eq(d, c[7], n[7])) {
				fprintf(stderr, "verify_floor: event %llu: bad state hash\n", events);
				return 1;
			}
		}
		memcpy(prev, c[9], 64);
	}
	sqlite3_finalize(q);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	t1 = now();
	printf("%llu %llu %.3f\n", events, bytes, t1 - t0);
	(void)touched;
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return 0;
}
