/* SPDX-License-Identifier: MIT */
/*
 * The control queue: one request in, one response out.
 *
 * The transport gathers the device-readable part of a descriptor chain into
 * `req' (req_len bytes, any alignment) and passes the writable part's size
 * as resp_cap; snd_ctl_handle writes the response (virtio_snd_hdr status,
 * then the payload if any) and returns its length, to be copied back across
 * the writable descriptors and reported as the used length. It returns 0
 * only when resp_cap < 4 (not even a status fits); then nothing was done.
 *
 * Malformed requests (short or wrong size, unknown or out-of-range ids,
 * start_id + count beyond the items, info size smaller than the item,
 * response space too small) get VIRTIO_SND_S_BAD_MSG; unknown codes, CTL_*
 * without VIRTIO_SND_F_CTLS, and operations a control's access does not allow
 * get VIRTIO_SND_S_NOT_SUPP; an end that fails gets VIRTIO_SND_S_IO_ERR.
 * No input aborts or reads/writes outside req/resp.
 */
#ifndef SND_CTL_H
#define SND_CTL_H

#include <stddef.h>

#include "snd_device.h"

/* Largest item size accepted in a *_INFO query (the structs are <= 96). */
#define SND_CTL_INFO_SIZE_MAX 4096u

size_t snd_ctl_handle(struct snd_device *d, const void *req, size_t req_len, void *resp,
		      size_t resp_cap);

/* The request's name for logs ("PCM_SET_PARAMS"), "?" if unknown. */
const char *snd_ctl_code_name(uint32_t code);

#endif /* SND_CTL_H */
