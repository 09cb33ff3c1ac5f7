/*
 * account.h - the account manager.
 *
 * It owns every configured account and hands the UI a stable list: the
 * order of the config file, indexes that never change while tern runs.
 * Switching the account the UI shows never touches another account's
 * state or connection.
 */
#ifndef TERN_ACCOUNT_H
#define TERN_ACCOUNT_H

#include <stddef.h>

#include "conf.h"

struct event_base;
struct account;
struct account_manager;

struct account_manager *
account_manager_new(struct event_base *base, const struct conf *conf);
void account_manager_free(struct account_manager *am);
size_t account_manager_count(const struct account_manager *am);
struct account *account_manager_get(const struct account_manager *am, size_t i);
int account_manager_find(const struct account_manager *am, const char *name);

const char *account_name(const struct account *acct);
const struct account_conf *account_conf(const struct account *acct);
const char *account_status(const struct account *acct);
int account_is_plaintext(const struct account *acct);

#endif
