/* The disk's own durable-write latency, a reference for the POST benchmark (bench/http.sh): one
 * thread appends BYTES to a file in 16 KB writes (the size of a SQLite log frame's page here) and
 * then calls fdatasync, back to back for SECONDS, as ciiguard's syncer does for each batch of
 * committed writes. Like SQLite's log, the file starts over at 16 MB (about 1,000 frames). Prints
 * the number of syncs, syncs per second and the percentiles of their duration in milliseconds.
 * An answer to a POST waits for one such sync or more, and while a slow one lasts every client of
 * the benchmark waits: the tail of this distribution is a floor for the POST's.
 *
 * Usage: sync_floor FILE BYTES SECONDS   (the file is created, and removed at the end)
 * Not a test: it prints one line of figures for bench/RESULTS.md. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384
#define WRAP (16L * 1024 * 1024)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: sync_floor FILE BYTES SECONDS\n");
		return 2;
	}
	char *end;
	long bytes = strtol(argv[2], &end, 10);
	if (*end || bytes < 1 || bytes > WRAP) {
		fprintf(stderr, "sync_floor: BYTES: expected 1 to %ld\n", WRAP);
		return 2;
	}
	double seconds = strtod(argv[3], &end);
	if (*end || seconds <= 0 || seconds > 3600) {
		fprintf(stderr, "sync_floor: SECONDS: expected more than 0, at most 3600\n");
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "sync_floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	static char buf[CHUNK];
	memset(buf, 0xa5, sizeof buf);
	size_t cap = 1 << 16, n = 0;
	double *lat = malloc(cap * sizeof *lat);
	long off = 0;
	double t0 = now_ms(), stop = t0 + seconds * 1e3, t;
	int rc = 0;
	while (lat && (t = now_ms()) < stop) {
		for (long left = bytes; left > 0; left -= CHUNK) {
			size_t len = left < CHUNK ? (size_t)left : CHUNK;
			if (off + (long)len > WRAP)
				off = 0;
			if (pwrite(fd, buf, len, off) != (ssize_t)len) {
				fprintf(stderr, "sync_floor: write: %s\n", strerror(errno));
				rc = 1;
				goto out;
			}
			off += (long)len;
		}
		if (fdatasync(fd) != 0) {
			fprintf(stderr, "sync_floor: fdatasync: %s\n", strerror(errno));
			rc = 1;
			goto out;
		}
		if (n == cap) {
			double *more = realloc(lat, 2 * cap * sizeof *lat);
			if (!more)
				break;
			lat = more;
			cap *= 2;
		}
		lat[n++] = now_ms() - t;
	}
	if (!lat || n == 0) {
		fprintf(stderr, "sync_floor: no sync measured\n");
		rc = 1;
		goto out;
	}
	qsort(lat, n, sizeof *lat, cmp);
	double el = (now_ms() - t0) / 1e3;
	size_t over5 = 0;
	for (size_t i = 0; i < n; i++)
		over5 += lat[i] > 5.0;
	printf("%zu syncs of %ld bytes in %.1f s: %.0f/s; ms: p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f; over 5 ms: %zu\n",
	       n, bytes, el, n / el, lat[n / 2], lat[n * 90 / 100], lat[n * 99 / 100], lat[n * 999 / 1000], lat[n - 1],
	       over5);
out:
	free(lat);
	close(fd);
	unlink(argv[1]);
	return rc;
}
