/* workers.h - the threads that do ippool-policyd's blocking work (store
 * transactions that may wait for a lock, MX lookups) so that the event
 * loop never waits: a job runs in a worker and its completion runs back
 * in the loop thread, which alone touches connections. */
#ifndef POLICY_WORKERS_H
#define POLICY_WORKERS_H

#include <stddef.h>

struct event_base;
struct workers;

struct job {
	struct job *next;
	void	(*run)(struct job *);	/* in a worker thread */
	void	(*done)(struct job *);	/* then in the loop thread */
};

/* Start n threads; at most maxq jobs wait.  NULL on failure. */
struct workers *workers_start(struct event_base *, int n, size_t maxq);

/* Queue a job; -1 when the queue is full (the caller answers "busy"). */
int	workers_submit(struct workers *, struct job *);

/* Jobs queued or running. */
size_t	workers_pending(const struct workers *);

/* Finish every queued job, run their completions, join the threads. */
void	workers_stop(struct workers *);

#endif
