/* load.c - the load generator of bench/policy-rate.sh: N connections,
 * each a thread sending one request and waiting for its answer, as
 * Postfix's clients do, for S seconds; prints requests per second.
 *   load socketmap|policy|sender PORT CONNECTIONS SECONDS */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, kind;		/* 0 socketmap route, 1 policy, 2 socketmap sender map */
static atomic_long total;
static atomic_int stop, errors;

static double
now(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Read one answer: a netstring, or lines up to an empty one. */
static int
answer(int fd, char *buf, size_t cap)
{
	size_t	len = 0;
	ssize_t	n;

	for (;;) {
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			return (-1);
		len += (size_t) n;
		buf[len] = '\0';
		if (kind == 1 ? len >= 2 && strcmp(buf + len - 2, "\n\n") == 0
		    : len > 0 && buf[len - 1] == ',' && strchr(buf, ':') != NULL
		    && (size_t) atoi(buf) + (size_t) (strchr(buf, ':') - buf) + 2 == len)
			return (0);
		if (len + 1 >= cap)
			return (-1);
	}
}

static void *
worker(void *arg)
{
	struct sockaddr_in sin;
	char	req[512], buf[4096], body[256];
	long	id = (long) arg, i = 0;
	int	fd, one = 1, n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short) port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || connect(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
		atomic_fetch_add(&errors, 1);
		return (NULL);
	}
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (!atomic_load(&stop)) {
		if (kind == 1) {
			n = snprintf(req, sizeof(req), "request=smtpd_access_policy\nprotocol_state=RCPT\n"
			    "protocol_name=ESMTP\nclient_address=127.0.0.1\nclient_name=client.example\n"
			    "helo_name=client.example\nsender=user%ld@tx.example\nrecipient=r%ld.%ld@gmail.com\n"
			    "queue_id=\ninstance=%lx.%lx\nsize=0\nsasl_username=\n\n", id, id, i, id, i);
		} else {
			int	b = snprintf(body, sizeof(body), kind == 0 ? "tx r%ld.%ld@gmail.com"
			    : "ippool-sender user%ld.%ld@tx.example", id, i);

			n = snprintf(req, sizeof(req), "%d:%s,", b, body);
		}
		if (write(fd, req, (size_t) n) != n || answer(fd, buf, sizeof(buf)) != 0) {
			atomic_fetch_add(&errors, 1);
			break;
		}
		atomic_fetch_add(&total, 1);
		i++;
	}
	(void) close(fd);
	return (NULL);
}

int
main(int argc, char **argv)
{
	pthread_t *t;
	double	t0, secs;
	long	i, conns;

	if (argc != 5)
		return (64);
	kind = strcmp(argv[1], "policy") == 0 ? 1 : strcmp(argv[1], "sender") == 0 ? 2 : 0;
	port = atoi(argv[2]);
	conns = atol(argv[3]);
	secs = atof(argv[4]);
	if ((t = calloc((size_t) conns, sizeof(*t))) == NULL)
		return (1);
	t0 = now();
	for (i = 0; i < conns; i++)
		(void) pthread_create(&t[i], NULL, worker, (void *) i);
	(void) usleep((useconds_t) (secs * 1e6));
	atomic_store(&stop, 1);
	for (i = 0; i < conns; i++)
		(void) pthread_join(t[i], NULL);
	printf("%.0f %d\n", atomic_load(&total) / (now() - t0), atomic_load(&errors));
	free(t);
	return (0);
}
