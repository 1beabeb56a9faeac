// SPDX-License-Identifier: MIT
#include "vq_iov.h"

#include <stdint.h>
#include <string.h>

size_t vq_iov_size(const struct iovec *iov, unsigned int n)
{
	size_t total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

/* Walk the segments from offset on, calling copy for each piece. */
static size_t iov_walk(const struct iovec *iov, unsigned int n, size_t offset, uint8_t *buf,
		       size_t len, int to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, piece;

		if (offset >= seg) {
			offset -= seg;
			continue;
		}
		piece = seg - offset;
		if (piece > len - done)
			piece = len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + offset, buf + done, piece);
		else
			memcpy(buf + done, (const uint8_t *)iov[i].iov_base + offset, piece);
		done += piece;
		offset = 0;
	}
	return done;
}

size_t vq_iov_to_buf(const struct iovec *iov, unsigned int n, size_t offset, void *buf, size_t len)
{
	return iov_walk(iov, n, offset, buf, len, 0);
}

size_t vq_iov_from_buf(const struct iovec *iov, unsigned int n, size_t offset, const void *buf,
		       size_t len)
{
	return iov_walk(iov, n, offset, (uint8_t *)buf, len, 1);
}
