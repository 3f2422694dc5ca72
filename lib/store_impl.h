/* The inside of the store: the backend operations table and the shared store state. */
#ifndef CG_STORE_IMPL_H
#define CG_STORE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "ciiguard/audit.h"
#include "ciiguard/store.h"

struct cg_stmt {
	struct cg_store *st;
	char *sql;
	uint64_t hash;
	bool in_use;
};

struct cg_store_ops {
	const char *name;
	/* Connects; `created` tells whether a new database was made. */
	cg_code (*open)(struct cg_store *st, const char *uri, unsigned flags, bool *created,
			struct cg_error *err);
	void (*close)(struct cg_store *st);
	cg_code (*exec)(struct cg_store *st, const char *sql, struct cg_error *err);
	cg_code (*begin)(struct cg_store *st, bool write, struct cg_error *err);
	cg_code (*commit)(struct cg_store *st, struct cg_error *err);
	void (*rollback)(struct cg_store *st);
	/* Serialises migrations among processes (inside the write transaction). */
	cg_code (*lock_migrations)(struct cg_store *st, struct cg_error *err);
	/* Rewrites portable DDL for this backend; returns a new string or NULL on no memory. */
	char *(*translate_ddl)(const char *sql);
	cg_code (*prepare)(struct cg_store *st, const char *sql, struct cg_stmt **out,
			   struct cg_error *err);
	cg_code (*bind_text)(struct cg_stmt *s, int idx, const char *text);
	cg_code (*bind_int64)(struct cg_stmt *s, int idx, int64_t v);
	cg_code (*bind_null)(struct cg_stmt *s, int idx);
	enum cg_step (*step)(struct cg_stmt *s, struct cg_error *err);
	const char *(*text)(struct cg_stmt *s, int col);
	int64_t (*int64)(struct cg_stmt *s, int col);
	bool (*is_null)(struct cg_stmt *s, int col);
	int64_t (*changes)(struct cg_stmt *s);
	void (*reset)(struct cg_stmt *s);
	void (*finalize)(struct cg_stmt *s);
	/* Lists user tables (names malloc'd). */
	cg_code (*tables)(struct cg_store *st, char ***names, size_t *n, struct cg_error *err);
	/* Change notifications (NULL where the backend has none): see cg_store_listen. */
	cg_code (*listen)(struct cg_store *st, struct cg_error *err);
	int (*notifications)(struct cg_store *st, int timeout_ms);
	/* Group commit (NULL where the backend has none): see cg_store_defer_sync. */
	cg_code (*defer_sync)(struct cg_store *st, struct cg_error *err);
	int (*sync)(struct cg_store *st);
	long (*checkpoint)(struct cg_store *st);
};

#define CG_STMT_CACHE 64

struct cg_store {
	const struct cg_store_ops *ops;
	void *impl;
	unsigned flags;
	int schema_version;
	bool ready; /* migrations done */
	bool in_txn;
	bool write_txn;
	/* cg_store_nest(): begin inside a transaction opens a savepoint, depth of them open */
	bool nest;
	int depth;
	/* The audit head, read once per write transaction and advanced by each append. */
	bool head_valid;
	int64_t head_seq;
	char head_hash[CG_HASH_HEX];
	struct cg_stmt *cache[CG_STMT_CACHE];
	size_t ncache;
	/* cg_store_defer_sync: the log's descriptor, and its frames after this connection's last
	 * commit (written by the backend's commit, read by the writer's thread) */
	bool deferred;
	int log_fd;
	long log_frames;
	/* the log's length and the frames copied, after this connection's last checkpoint */
	long ckpt_log, ckpt_done;
};

/* A copy of `sql` with every `from` replaced by `to` (for translate_ddl); NULL on no memory. */
char *cg_store_replace_all(const char *sql, const char *from, const char *to);

extern const struct cg_store_ops cg_store_sqlite_ops;
extern const struct cg_store_ops cg_store_pg_ops;

#endif
