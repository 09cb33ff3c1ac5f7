/*
 * account.h - the account manager and what one account holds.
 *
 * The manager owns every configured account and hands the UI a stable
 * list: the config file's order, indexes that never change while tern
 * runs.  Each account owns its backend, its open folder's model (a
 * mailbox and the view built over it) and its own status, so switching
 * the account the UI shows never touches another account's state or
 * connection.  The UI learns of changes through one observer and redraws
 * from the model; it never waits for a backend.
 */
#ifndef TERN_ACCOUNT_H
#define TERN_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "conf.h"
#include "model/msgtab.h"
#include "model/rowlist.h"

struct event_base;
struct account;
struct account_manager;

/* What changed, for account_observer.changed. */
#define ACCOUNT_CHANGED_VIEW 0x01 /* rows added, removed or reordered */
#define ACCOUNT_CHANGED_FLAGS 0x02 /* flags of shown messages */
#define ACCOUNT_CHANGED_STATUS 0x04 /* status line, progress */
#define ACCOUNT_CHANGED_FOLDERS 0x08 /* the folder list */

struct account_observer {
	void (*changed)(struct account *acct, unsigned what, void *arg);
	/* A line for the user; error says whether it reports a failure. */
	void (*message)(
	    struct account *acct, int error, const char *text, void *arg);
	/* A certificate is not trusted: show details, then answer with
	   account_cert_answer().  NULL: rejected, details told as an error. */
	void (*question)(struct account *acct, const char *details,
	    int always_allowed, void *arg);
	/* A password is needed: answer with account_password_answer(). */
	void (*password)(struct account *acct, const char *prompt, void *arg);
	void *arg;
};

struct account_manager *
account_manager_new(struct event_base *base, const struct conf *conf);
void account_manager_free(struct account_manager *am);
size_t account_manager_add_maildir(struct account_manager *am, const char *dir);
void account_manager_observe(
    struct account_manager *am, const struct account_observer *obs);
size_t account_manager_count(const struct account_manager *am);
const struct conf *account_manager_conf(const struct account_manager *am);
struct account *account_manager_get(const struct account_manager *am, size_t i);
int account_manager_find(const struct account_manager *am, const char *name);

const char *account_name(const struct account *acct);
const struct account_conf *account_conf(const struct account *acct);
const char *account_status(const struct account *acct);
int account_is_plaintext(const struct account *acct);

void account_activate(struct account *acct);
void account_open_folder(struct account *acct, const char *folder);
const char *account_folder(const struct account *acct);
unsigned account_generation(const struct account *acct);
int account_loading(const struct account *acct, size_t *done, size_t *total);
int account_busy(const struct account *acct);
const struct be_folder *account_folders(const struct account *acct, size_t *n);

const struct msgtab *account_msgtab(const struct account *acct);
const struct rowlist *account_view(const struct account *acct);
struct rowlist *account_view_mut(struct account *acct);
void account_set_order(
    struct account *acct, enum msgtab_sort sort, bool reverse, bool threaded);
void account_get_order(const struct account *acct, enum msgtab_sort *sort,
    bool *reverse, bool *threaded);
int account_set_limit(struct account *acct, const char *pattern, char **err);
const char *account_limit(const struct account *acct);

void account_change_flags(struct account *acct, const uint32_t *uids, size_t n,
    uint32_t add, uint32_t remove);
void account_expunge(struct account *acct);
void account_cert_answer(struct account *acct, enum be_cert_answer answer);
void account_password_answer(struct account *acct, const char *password);
void account_fetch_body(
    struct account *acct, uint32_t uid, be_body_cb cb, void *arg);

#endif
