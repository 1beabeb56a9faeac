// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka: the adapter's vhost-user frontend state machine against a
 * scripted fake backend on the other end of a socketpair (a thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "devtype.h"
#include "frontend.h"

#define LOG_MAX 128

struct fake {
	int sock;
	uint64_t features, protocol, queue_num;
	uint8_t config[VHU_MAX_CONFIG];
	uint32_t config_size;	/* GET_CONFIG larger than this: refused */
	uint32_t refuse_req;	/* REPLY_ACK status 1 */
	uint32_t close_req;	/* hang up on this request */
	uint32_t wrong_req;	/* answer with another request code */
	uint32_t silent_req;	/* never answer */
	/* what arrived */
	struct vhu_msg log[LOG_MAX];
	unsigned int nlog;
	bool fd_ok[LOG_MAX];	/* each fd that came was open */
	uint64_t negotiated;
	const char *error;
};

static void reply_u64(struct fake *f, const struct vhu_msg *req, uint64_t v)
{
	struct vhu_msg r;

	vhu_msg_make_reply(&r, req);
	r.payload.u64 = v;
	r.size = 8;
	if (f->wrong_req == req->request)
		r.request = VHU_GET_QUEUE_NUM;
	vhu_send(f->sock, &r);
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	struct vhu_msg m, r;

	for (;;) {
		const char *why = NULL;
		unsigned int i;
		int ret = vhu_recv(f->sock, &m, VHU_FROM_FRONTEND, 3000, &why);

		if (ret) {
			if (ret == -EPROTO)
				f->error = why;
			break;
		}
		if (f->nlog < LOG_MAX) {
			bool ok = true;

			for (i = 0; i < m.nfds; i++)
				ok &= fcntl(m.fds[i], F_GETFD) >= 0;
			f->fd_ok[f->nlog] = ok;
			f->log[f->nlog++] = m;
		}
		vhu_msg_close_fds(&m);
		if (m.request == f->close_req)
			break;
		if (m.request == f->silent_req)
			continue;
		switch (m.request) {
		case VHU_GET_FEATURES:
			reply_u64(f, &m, f->features);
			continue;
		case VHU_GET_PROTOCOL_FEATURES:
			reply_u64(f, &m, f->protocol);
			continue;
		case VHU_GET_QUEUE_NUM:
			reply_u64(f, &m, f->queue_num);
			continue;
		case VHU_SET_PROTOCOL_FEATURES:
			f->negotiated = m.payload.u64;
			break;
		case VHU_GET_CONFIG:
			vhu_msg_make_reply(&r, &m);
			if (m.payload.config.size <= f->config_size) {
				vhu_msg_config(&r, VHU_GET_CONFIG, 0, m.payload.config.size, 0, f->config);
				r.flags = VHU_VERSION | VHU_FLAG_REPLY;
			}
			vhu_send(f->sock, &r);
			continue;
		case VHU_GET_VRING_BASE:
			vhu_msg_state(&r, VHU_GET_VRING_BASE, m.payload.state.index, 42);
			r.flags = VHU_VERSION | VHU_FLAG_REPLY;
			vhu_send(f->sock, &r);
			continue;
		default:
			break;
		}
		if (m.flags & VHU_FLAG_NEED_REPLY)
			reply_u64(f, &m, m.request == f->refuse_req ? 1 : 0);
	}
	close(f->sock);
	return NULL;
}

struct rig {
	struct fake f;
	struct frontend fe;
	pthread_t thr;
	int sock;
	bool joined;
};

/* All protocol features QSD has, MQ with one queue, a blk-like config. */
static void fake_defaults(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->features = VHU_BIT(VIRTIO_F_VERSION_1) | VHU_BIT(VHU_F_PROTOCOL_FEATURES) |
		      VHU_BIT(6) | VHU_BIT(9) | VHU_BIT(28) /* EVENT_IDX */;
	f->protocol = VHU_BIT(VHU_PROTOCOL_F_MQ) | VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK) |
		      VHU_BIT(VHU_PROTOCOL_F_CONFIG) | VHU_BIT(VHU_PROTOCOL_F_RESET_DEVICE) |
		      VHU_BIT(VHU_PROTOCOL_F_INFLIGHT_SHMFD);
	f->queue_num = 2;
	f->config_size = 60;
	f->config[0] = 0x80;
}

static void rig_start(struct rig *r, int timeout_ms)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	r->f.sock = sv[1];
	r->sock = sv[0];
	fe_init(&r->fe, r->sock, timeout_ms);
	assert_int_equal(pthread_create(&r->thr, NULL, fake_run, &r->f), 0);
}

static void rig_stop(struct rig *r)
{
	close(r->sock);
	pthread_join(r->thr, NULL);
}

static unsigned int count(const struct fake *f, uint32_t req)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nlog; i++)
		n += f->log[i].request == req;
	return n;
}

static const struct vhu_msg *find(const struct fake *f, uint32_t req, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < f->nlog; i++)
		if (f->log[i].request == req && nth-- == 0)
			return &f->log[i];
	return NULL;
}

static void test_hello_full(void **state)
{
	static const uint32_t want[] = { VHU_GET_FEATURES, VHU_GET_PROTOCOL_FEATURES,
		VHU_SET_PROTOCOL_FEATURES, VHU_GET_QUEUE_NUM, VHU_SET_OWNER };
	struct rig r;
	unsigned int i;

	(void)state;
	fake_defaults(&r.f);
	rig_start(&r, 1000);
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(r.fe.state, FE_READY);
	assert_int_equal(r.fe.queue_num, 2);
	assert_int_equal(r.fe.features, r.f.features);
	/* INFLIGHT is not ours to take */
	assert_int_equal(r.fe.protocol, r.f.protocol & FE_PROTOCOL_WANTED);
	assert_int_equal(fe_get_config(&r.fe, 60), 0);
	assert_int_equal(r.fe.config_size, 60);
	assert_int_equal(r.fe.config[0], 0x80);
	rig_stop(&r);
	assert_int_equal(r.f.negotiated, r.f.protocol & FE_PROTOCOL_WANTED);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(r.f.log[i].request, want[i]);
	/* SET_OWNER asked for an ack (REPLY_ACK negotiated) */
	assert_true(r.f.log[4].flags & VHU_FLAG_NEED_REPLY);
	assert_null(r.f.error);
}

static void test_hello_no_protocol(void **state)
{
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.features &= ~VHU_BIT(VHU_F_PROTOCOL_FEATURES);
	rig_start(&r, 1000);
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(r.fe.protocol, 0);
	assert_int_equal(r.fe.queue_num, 0);
	/* no config without the CONFIG protocol feature */
	assert_int_equal(fe_get_config(&r.fe, 12), -1);
	assert_non_null(strstr(r.fe.err, "CONFIG protocol feature"));
	rig_stop(&r);
	assert_int_equal(count(&r.f, VHU_GET_PROTOCOL_FEATURES), 0);
	assert_int_equal(count(&r.f, VHU_GET_QUEUE_NUM), 0);
	/* SET_OWNER without ack, then a GET_FEATURES barrier */
	assert_int_equal(r.f.log[1].request, VHU_SET_OWNER);
	assert_false(r.f.log[1].flags & VHU_FLAG_NEED_REPLY);
	assert_int_equal(r.f.log[2].request, VHU_GET_FEATURES);
}

static void test_config_refused(void **state)
{
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.config_size = 8;
	rig_start(&r, 1000);
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(fe_get_config(&r.fe, 12), -1);
	assert_non_null(strstr(r.fe.err, "refused"));
	assert_int_equal(r.fe.state, FE_FAILED);
	rig_stop(&r);
}

static struct fe_queue queues[3];

static void setup_for(struct fe_setup *s, int memfd, int err)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->features = VHU_BIT(VIRTIO_F_VERSION_1) | VHU_BIT(VIRTIO_F_ACCESS_PLATFORM) | VHU_BIT(9);
	s->memfd = memfd;
	s->iova_base = 0x100000;
	s->iova_size = 0x4000000;
	s->err_fd = err;
	s->nqueues = 3;
	s->q = queues;
	for (i = 0; i < 3; i++) {
		queues[i].ready = i != 1;	/* queue 1 not set up by the driver */
		queues[i].num = 256;
		queues[i].desc = 0x100000 + i * 0x10000;
		queues[i].avail = queues[i].desc + 0x1000;
		queues[i].used = queues[i].desc + 0x2000;
		queues[i].kick = eventfd(0, EFD_CLOEXEC);
		queues[i].call = eventfd(0, EFD_CLOEXEC);
	}
}

static void close_setup(struct fe_setup *s)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		close(queues[i].kick);
		close(queues[i].call);
	}
	close(s->memfd);
	if (s->err_fd >= 0)
		close(s->err_fd);
}

static void test_start_stop(void **state)
{
	const struct vhu_msg *m;
	struct fe_setup s;
	struct rig r;
	unsigned int i;

	(void)state;
	fake_defaults(&r.f);
	rig_start(&r, 1000);
	setup_for(&s, eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC));
	/* not before hello */
	assert_int_equal(fe_start(&r.fe, &s), -1);
	r.fe.state = FE_IDLE;
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(fe_start(&r.fe, &s), 0);
	assert_int_equal(r.fe.state, FE_RUNNING);
	assert_true(r.fe.started[0]);
	assert_false(r.fe.started[1]);
	assert_true(r.fe.started[2]);
	/* and not twice */
	assert_int_equal(fe_start(&r.fe, &s), -1);
	r.fe.state = FE_RUNNING;
	assert_int_equal(fe_stop(&r.fe), 0);
	assert_int_equal(r.fe.state, FE_READY);
	assert_int_equal(r.fe.last_avail[2], 42);
	rig_stop(&r);
	close_setup(&s);

	/* features: ACCESS_PLATFORM hidden, PROTOCOL_FEATURES kept */
	m = find(&r.f, VHU_SET_FEATURES, 0);
	assert_non_null(m);
	assert_int_equal(m->payload.u64, VHU_BIT(VIRTIO_F_VERSION_1) | VHU_BIT(9) |
					  VHU_BIT(VHU_F_PROTOCOL_FEATURES));
	/* one region, file offset == IOVA == guest address, one open fd */
	m = find(&r.f, VHU_SET_MEM_TABLE, 0);
	assert_non_null(m);
	assert_int_equal(m->payload.mem.nregions, 1);
	assert_int_equal(m->payload.mem.regions[0].guest_phys_addr, 0x100000);
	assert_int_equal(m->payload.mem.regions[0].mmap_offset, 0x100000);
	assert_int_equal(m->payload.mem.regions[0].userspace_addr, 0x100000);
	assert_int_equal(m->payload.mem.regions[0].memory_size, 0x4000000);
	assert_int_equal(m->nfds, 1);
	assert_true(r.f.fd_ok[m - r.f.log]);
	/* queues 0 and 2 only, each fully described */
	assert_int_equal(count(&r.f, VHU_SET_VRING_NUM), 2);
	assert_int_equal(count(&r.f, VHU_SET_VRING_KICK), 2);
	assert_int_equal(count(&r.f, VHU_SET_VRING_CALL), 2);
	assert_int_equal(count(&r.f, VHU_SET_VRING_ERR), 2);
	m = find(&r.f, VHU_SET_VRING_ADDR, 1);
	assert_int_equal(m->payload.addr.index, 2);
	assert_int_equal(m->payload.addr.desc, 0x120000);
	assert_int_equal(m->payload.addr.avail, 0x121000);
	assert_int_equal(m->payload.addr.used, 0x122000);
	m = find(&r.f, VHU_SET_VRING_BASE, 0);
	assert_int_equal(m->payload.state.num, 0);
	m = find(&r.f, VHU_SET_VRING_KICK, 0);
	assert_int_equal(m->nfds, 1);
	/* enable 1 after the rings, enable 0 + GET_VRING_BASE at stop, then reset */
	assert_int_equal(count(&r.f, VHU_SET_VRING_ENABLE), 4);
	m = find(&r.f, VHU_SET_VRING_ENABLE, 0);
	assert_int_equal(m->payload.state.num, 1);
	assert_true(m > find(&r.f, VHU_SET_VRING_KICK, 1));
	m = find(&r.f, VHU_SET_VRING_ENABLE, 2);
	assert_int_equal(m->payload.state.num, 0);
	assert_int_equal(count(&r.f, VHU_GET_VRING_BASE), 2);
	assert_int_equal(count(&r.f, VHU_RESET_DEVICE), 1);
	/* every request without its own reply asked for an ack */
	for (i = 0; i < r.f.nlog; i++) {
		uint32_t q = r.f.log[i].request;

		if (q != VHU_GET_FEATURES && q != VHU_GET_PROTOCOL_FEATURES &&
		    q != VHU_GET_QUEUE_NUM && q != VHU_GET_VRING_BASE &&
		    q != VHU_SET_PROTOCOL_FEATURES)
			assert_true(r.f.log[i].flags & VHU_FLAG_NEED_REPLY);
	}
	assert_null(r.f.error);
}

static void test_start_without_protocol_features(void **state)
{
	struct fe_setup s;
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.features &= ~VHU_BIT(VHU_F_PROTOCOL_FEATURES);
	rig_start(&r, 1000);
	setup_for(&s, eventfd(0, EFD_CLOEXEC), -1);
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(fe_start(&r.fe, &s), 0);
	rig_stop(&r);
	close_setup(&s);
	/* rings start enabled: no SET_VRING_ENABLE; no error fd */
	assert_int_equal(count(&r.f, VHU_SET_VRING_ENABLE), 0);
	assert_int_equal(find(&r.f, VHU_SET_VRING_ERR, 0)->payload.u64, VHU_VRING_NOFD);
	assert_false(find(&r.f, VHU_SET_FEATURES, 0)->payload.u64 & VHU_BIT(VHU_F_PROTOCOL_FEATURES));
	/* ends with a GET_FEATURES barrier */
	assert_int_equal(r.f.log[r.f.nlog - 1].request, VHU_GET_FEATURES);
}

static void test_start_bad_features(void **state)
{
	struct fe_setup s;
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	rig_start(&r, 1000);
	setup_for(&s, eventfd(0, EFD_CLOEXEC), -1);
	s.features |= VHU_BIT(12);	/* the backend never offered it */
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(fe_start(&r.fe, &s), -1);
	assert_non_null(strstr(r.fe.err, "does not offer"));
	rig_stop(&r);
	close_setup(&s);
}

static void test_refused(void **state)
{
	struct fe_setup s;
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.refuse_req = VHU_SET_MEM_TABLE;
	rig_start(&r, 1000);
	setup_for(&s, eventfd(0, EFD_CLOEXEC), -1);
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(fe_start(&r.fe, &s), -1);
	assert_non_null(strstr(r.fe.err, "refused SET_MEM_TABLE"));
	assert_int_equal(r.fe.state, FE_FAILED);
	rig_stop(&r);
	close_setup(&s);
}

static void test_backend_closes(void **state)
{
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.close_req = VHU_GET_QUEUE_NUM;
	rig_start(&r, 1000);
	assert_int_equal(fe_hello(&r.fe), -1);
	assert_non_null(strstr(r.fe.err, "closed the connection"));
	assert_int_equal(r.fe.state, FE_FAILED);
	rig_stop(&r);
}

static void test_backend_wrong_reply(void **state)
{
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.wrong_req = VHU_GET_PROTOCOL_FEATURES;
	rig_start(&r, 1000);
	assert_int_equal(fe_hello(&r.fe), -1);
	assert_non_null(strstr(r.fe.err, "protocol error"));
	rig_stop(&r);
}

static void test_backend_silent(void **state)
{
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.silent_req = VHU_SET_OWNER;
	rig_start(&r, 100);
	assert_int_equal(fe_hello(&r.fe), -1);
	assert_non_null(strstr(r.fe.err, "did not answer SET_OWNER within 100 ms"));
	rig_stop(&r);
}

static void test_bad_queue_num(void **state)
{
	struct rig r;

	(void)state;
	fake_defaults(&r.f);
	r.f.queue_num = 0;
	rig_start(&r, 1000);
	assert_int_equal(fe_hello(&r.fe), -1);
	assert_non_null(strstr(r.fe.err, "0 queues"));
	rig_stop(&r);
}

static void test_set_config(void **state)
{
	struct rig r;
	uint8_t wce = 1;

	(void)state;
	fake_defaults(&r.f);
	rig_start(&r, 1000);
	assert_int_equal(fe_set_config(&r.fe, 32, 1, &wce), -1);	/* idle */
	r.fe.state = FE_IDLE;
	assert_int_equal(fe_hello(&r.fe), 0);
	assert_int_equal(fe_set_config(&r.fe, 32, 1, &wce), 0);
	assert_int_equal(fe_set_config(&r.fe, 255, 2, &wce), -1);
	rig_stop(&r);
	assert_int_equal(find(&r.f, VHU_SET_CONFIG, 0)->payload.config.offset, 32);
	assert_int_equal(find(&r.f, VHU_SET_CONFIG, 0)->payload.config.region[0], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_full),
		cmocka_unit_test(test_hello_no_protocol),
		cmocka_unit_test(test_config_refused),
		cmocka_unit_test(test_start_stop),
		cmocka_unit_test(test_start_without_protocol_features),
		cmocka_unit_test(test_start_bad_features),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_backend_closes),
		cmocka_unit_test(test_backend_wrong_reply),
		cmocka_unit_test(test_backend_silent),
		cmocka_unit_test(test_bad_queue_num),
		cmocka_unit_test(test_set_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
