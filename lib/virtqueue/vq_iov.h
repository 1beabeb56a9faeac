/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing a buffer spread over several descriptors, by byte
 * offset: a virtio request's header may be split anywhere.
 */
#ifndef VLO_VQ_IOV_H
#define VLO_VQ_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/* Total bytes of n segments. */
size_t vq_iov_size(const struct iovec *iov, unsigned int n);

/* Copy up to len bytes starting at offset out of iov into buf; returns the bytes copied. */
size_t vq_iov_to_buf(const struct iovec *iov, unsigned int n, size_t offset, void *buf, size_t len);

/* Copy up to len bytes from buf into iov starting at offset; returns the bytes copied. */
size_t vq_iov_from_buf(const struct iovec *iov, unsigned int n, size_t offset, const void *buf,
		       size_t len);

#endif
