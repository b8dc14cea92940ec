/* workers.c - a fixed pool of threads, one FIFO of jobs, and a pipe that
 * wakes the event loop when completions are waiting. */
#include "autoconfig.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "workers.h"

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t	cond;
	struct job *head, *tail;	/* waiting to run */
	struct job *done;		/* finished, for the loop */
	size_t	queued, maxq, pending;
	int	stopping;
	int	nthreads;
	pthread_t *threads;
	int	pipefd[2];
	struct event *wake;
};

/* The loop thread: run the completions of finished jobs, oldest first. */
static void
drain(struct workers *w)
{
	struct job *list, *rev = NULL, *j;
	char	buf[256];

	while (read(w->pipefd[0], buf, sizeof(buf)) > 0)
		;
	(void) pthread_mutex_lock(&w->lock);
	list = w->done;
	w->done = NULL;
	(void) pthread_mutex_unlock(&w->lock);
	while (list) {
		j = list;
		list = j->next;
		j->next = rev;
		rev = j;
	}
	while (rev) {
		j = rev;
		rev = j->next;
		(void) pthread_mutex_lock(&w->lock);
		w->pending--;
		(void) pthread_mutex_unlock(&w->lock);
		j->done(j);
	}
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	drain(arg);
}

static void *
worker(void *arg)
{
	struct workers *w = arg;
	struct job *j;
	int	notify;
	char	c = 'j';

	for (;;) {
		(void) pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stopping)
			(void) pthread_cond_wait(&w->cond, &w->lock);
		if ((j = w->head) == NULL) {
			(void) pthread_mutex_unlock(&w->lock);
			break;
		}
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->queued--;
		(void) pthread_mutex_unlock(&w->lock);

		j->run(j);

		(void) pthread_mutex_lock(&w->lock);
		notify = w->done == NULL;	/* one wake-up per batch */
		j->next = w->done;
		w->done = j;
		(void) pthread_mutex_unlock(&w->lock);
		/* a full pipe (EAGAIN) already holds a wake-up */
		if (notify && write(w->pipefd[1], &c, 1) < 0 && errno != EAGAIN)
			msg_warn("worker: cannot wake the event loop: %s", strerror(errno));
	}
	return (NULL);
}

struct workers *
workers_start(struct event_base *base, int n, size_t maxq)
{
	struct workers *w;
	sigset_t all, old;
	int	i;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	w->maxq = maxq;
	w->pipefd[0] = w->pipefd[1] = -1;
	if ((w->threads = calloc((size_t) n, sizeof(*w->threads))) == NULL
	    || pthread_mutex_init(&w->lock, NULL) != 0 || pthread_cond_init(&w->cond, NULL) != 0
	    || pipe2(w->pipefd, O_NONBLOCK | O_CLOEXEC) != 0
	    || (w->wake = event_new(base, w->pipefd[0], EV_READ | EV_PERSIST, on_wake, w)) == NULL
	    || event_add(w->wake, NULL) != 0) {
		msg_error("cannot set up worker threads: %s", strerror(errno));
		workers_stop(w);
		return (NULL);
	}
	/* signals belong to the loop thread */
	(void) sigfillset(&all);
	(void) pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, worker, w) != 0) {
			msg_error("cannot start worker thread: %s", strerror(errno));
			break;
		}
		w->nthreads++;
	}
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (w->nthreads == 0) {
		workers_stop(w);
		return (NULL);
	}
	return (w);
}

int
workers_submit(struct workers *w, struct job *j)
{
	(void) pthread_mutex_lock(&w->lock);
	if (w->queued >= w->maxq || w->stopping) {
		(void) pthread_mutex_unlock(&w->lock);
		return (-1);
	}
	j->next = NULL;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	w->pending++;
	(void) pthread_cond_signal(&w->cond);
	(void) pthread_mutex_unlock(&w->lock);
	return (0);
}

size_t
workers_pending(const struct workers *w)
{
	size_t	n;

	(void) pthread_mutex_lock((pthread_mutex_t *) &w->lock);
	n = w->pending;
	(void) pthread_mutex_unlock((pthread_mutex_t *) &w->lock);
	return (n);
}

void
workers_stop(struct workers *w)
{
	int	i;

	if (w == NULL)
		return;
	(void) pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	(void) pthread_cond_broadcast(&w->cond);
	(void) pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->nthreads; i++)
		(void) pthread_join(w->threads[i], NULL);
	if (w->wake != NULL) {
		drain(w);
		event_free(w->wake);
	}
	if (w->pipefd[0] >= 0)
		(void) close(w->pipefd[0]);
	if (w->pipefd[1] >= 0)
		(void) close(w->pipefd[1]);
	(void) pthread_cond_destroy(&w->cond);
	(void) pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}
