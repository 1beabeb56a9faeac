/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-user frontend state machine, one per backend connection:
 *
 *   IDLE --fe_hello--> READY --fe_start--> RUNNING --fe_stop--> READY
 *     any error -------------------------------------------> FAILED
 *
 * fe_hello is stage 1 (features, protocol features, queue count, owner);
 * fe_get_config reads the config space in READY; fe_start is stage 3 (the
 * driver's features, memory table, vrings with their eventfds, enable).
 * Every call waits for the backend at most timeout_ms per reply; every
 * request that has no reply of its own is acknowledged when REPLY_ACK was
 * negotiated, else the sequence ends with a GET_FEATURES round trip.
 * The socket is not owned: fe_reset() forgets it, the caller closes it.
 */
#ifndef ADAPTER_FRONTEND_H
#define ADAPTER_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_user.h"

enum fe_state { FE_IDLE, FE_READY, FE_RUNNING, FE_FAILED };

/* Protocol features the adapter uses when the backend has them. */
#define FE_PROTOCOL_WANTED (VHU_BIT(VHU_PROTOCOL_F_MQ) |		\
			    VHU_BIT(VHU_PROTOCOL_F_REPLY_ACK) |		\
			    VHU_BIT(VHU_PROTOCOL_F_CONFIG) |		\
			    VHU_BIT(VHU_PROTOCOL_F_RESET_DEVICE))

#define FE_MAX_QUEUES 64

struct fe_queue {
	bool ready;		/* the driver set this queue up */
	uint32_t num;
	uint64_t desc, avail, used;	/* IOVAs */
	int kick, call;		/* eventfds shared with the kernel */
};

struct fe_setup {
	uint64_t features;	/* accepted by the driver (ACCESS_PLATFORM ok) */
	bool packed;		/* VIRTIO_F_RING_PACKED accepted */
	int memfd;		/* the kernel's memory fd */
	uint64_t iova_base, iova_size;
	int err_fd;		/* -1: none */
	unsigned int nqueues;
	const struct fe_queue *q;
};

struct frontend {
	int sock;
	int timeout_ms;
	enum fe_state state;
	uint64_t features;	/* backend's, as offered */
	uint64_t protocol;	/* negotiated protocol features */
	uint32_t queue_num;	/* GET_QUEUE_NUM, 0 without MQ */
	uint32_t config_size;
	uint8_t config[VHU_MAX_CONFIG];
	bool started[FE_MAX_QUEUES];
	uint32_t last_avail[FE_MAX_QUEUES];	/* from GET_VRING_BASE */
	char err[256];
};

void fe_init(struct frontend *fe, int sock, int timeout_ms);
int fe_hello(struct frontend *fe);
int fe_get_config(struct frontend *fe, uint32_t size);
int fe_start(struct frontend *fe, const struct fe_setup *s);
int fe_stop(struct frontend *fe);
int fe_set_config(struct frontend *fe, uint32_t offset, uint32_t len,
		  const void *data);
bool fe_has_protocol(const struct frontend *fe, unsigned int bit);
const char *fe_state_name(enum fe_state s);

#endif
