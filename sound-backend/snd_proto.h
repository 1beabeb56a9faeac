/* SPDX-License-Identifier: MIT */
/*
 * virtio-sound wire format: the Linux uapi header plus, where the installed
 * header predates it (Debian 12's linux-libc-dev is Linux 6.1), the control
 * element extension (VIRTIO_SND_F_CTLS, virtio 1.3 "Sound Device"; in the
 * 6.12 uapi, not in 6.1), written from the specification with the same names
 * and layout.
 *
 * The uapi declares the request codes as enum constants, which the
 * preprocessor cannot see. The build therefore probes the header and passes
 * -DSND_PROTO_UAPI_HAS_CTLS=1 when it already has the extension (see
 * sound-backend/Makefile, SND_PROTO_CPPFLAGS). Our own definitions are
 * macros, so VIRTIO_SND_R_CTL_INFO is defined after this header either way.
 *
 * Also here: struct snd_proto_config (the 16-byte configuration space with
 * `controls', whatever the installed header's struct virtio_snd_config has)
 * and little-endian accessors for byte buffers of any alignment.
 */
#ifndef SND_PROTO_H
#define SND_PROTO_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/virtio_snd.h>

#if !defined(VIRTIO_SND_R_CTL_INFO) && !(defined(SND_PROTO_UAPI_HAS_CTLS) && SND_PROTO_UAPI_HAS_CTLS)

#define VIRTIO_SND_F_CTLS 0

#define VIRTIO_SND_R_CTL_INFO 0x0300
#define VIRTIO_SND_R_CTL_ENUM_ITEMS 0x0301
#define VIRTIO_SND_R_CTL_READ 0x0302
#define VIRTIO_SND_R_CTL_WRITE 0x0303
#define VIRTIO_SND_R_CTL_TLV_READ 0x0304
#define VIRTIO_SND_R_CTL_TLV_WRITE 0x0305
#define VIRTIO_SND_R_CTL_TLV_COMMAND 0x0306
#define VIRTIO_SND_EVT_CTL_NOTIFY 0x1200

#define VIRTIO_SND_CTL_ROLE_UNDEFINED 0
#define VIRTIO_SND_CTL_ROLE_VOLUME 1
#define VIRTIO_SND_CTL_ROLE_MUTE 2
#define VIRTIO_SND_CTL_ROLE_GAIN 3

#define VIRTIO_SND_CTL_TYPE_BOOLEAN 0
#define VIRTIO_SND_CTL_TYPE_INTEGER 1
#define VIRTIO_SND_CTL_TYPE_INTEGER64 2
#define VIRTIO_SND_CTL_TYPE_ENUMERATED 3
#define VIRTIO_SND_CTL_TYPE_BYTES 4
#define VIRTIO_SND_CTL_TYPE_IEC958 5

/* bit numbers in virtio_snd_ctl_info.access */
#define VIRTIO_SND_CTL_ACCESS_READ 0
#define VIRTIO_SND_CTL_ACCESS_WRITE 1
#define VIRTIO_SND_CTL_ACCESS_VOLATILE 2
#define VIRTIO_SND_CTL_ACCESS_INACTIVE 3
#define VIRTIO_SND_CTL_ACCESS_TLV_READ 4
#define VIRTIO_SND_CTL_ACCESS_TLV_WRITE 5
#define VIRTIO_SND_CTL_ACCESS_TLV_COMMAND 6

/* bit numbers in virtio_snd_ctl_event.mask */
#define VIRTIO_SND_CTL_EVT_MASK_VALUE 0
#define VIRTIO_SND_CTL_EVT_MASK_INFO 1
#define VIRTIO_SND_CTL_EVT_MASK_TLV 2

struct virtio_snd_ctl_hdr {
	struct virtio_snd_hdr hdr;
	__le32 control_id;
};

struct virtio_snd_ctl_info {
	struct virtio_snd_info hdr;
	__le32 role;
	__le32 type;
	__le32 access;
	__le32 count;
	__le32 index;
	__u8 name[44];
	union {
		struct {
			__le32 min;
			__le32 max;
			__le32 step;
		} integer;
		struct {
			__le64 min;
			__le64 max;
			__le64 step;
		} integer64;
		struct {
			__le32 items;
		} enumerated;
	} value;
};

struct virtio_snd_ctl_enum_item {
	__u8 item[64];
};

struct virtio_snd_ctl_iec958 {
	__u8 status[24];
	__u8 subcode[147];
	__u8 pad;
	__u8 dig_subframe[4];
};

struct virtio_snd_ctl_value {
	union {
		__le32 integer[128];
		__le64 integer64[64];
		__le32 enumerated[128];
		__u8 bytes[512];
		struct virtio_snd_ctl_iec958 iec958;
	} value;
};

struct virtio_snd_ctl_event {
	struct virtio_snd_hdr hdr;
	__le16 control_id;
	__le16 mask;
};

#endif /* control element extension */

/*
 * Layout checks against the specification (LP64 targets: x86_64, arm64; the
 * 64-bit union members make virtio_snd_ctl_info 96 bytes with the value union
 * at offset 72, as in the kernel's own build).
 */
_Static_assert(sizeof(struct virtio_snd_hdr) == 4, "virtio_snd_hdr");
_Static_assert(sizeof(struct virtio_snd_query_info) == 16, "virtio_snd_query_info");
_Static_assert(sizeof(struct virtio_snd_jack_info) == 24, "virtio_snd_jack_info");
_Static_assert(sizeof(struct virtio_snd_jack_remap) == 16, "virtio_snd_jack_remap");
_Static_assert(sizeof(struct virtio_snd_pcm_info) == 32, "virtio_snd_pcm_info");
_Static_assert(sizeof(struct virtio_snd_pcm_set_params) == 24, "virtio_snd_pcm_set_params");
_Static_assert(sizeof(struct virtio_snd_pcm_status) == 8, "virtio_snd_pcm_status");
_Static_assert(sizeof(struct virtio_snd_chmap_info) == 24, "virtio_snd_chmap_info");
_Static_assert(sizeof(struct virtio_snd_event) == 8, "virtio_snd_event");
_Static_assert(sizeof(struct virtio_snd_ctl_hdr) == 8, "virtio_snd_ctl_hdr");
_Static_assert(offsetof(struct virtio_snd_ctl_info, name) == 24, "virtio_snd_ctl_info.name");
_Static_assert(offsetof(struct virtio_snd_ctl_info, value) == 72, "virtio_snd_ctl_info.value");
_Static_assert(sizeof(struct virtio_snd_ctl_info) == 96, "virtio_snd_ctl_info");
_Static_assert(sizeof(struct virtio_snd_ctl_enum_item) == 64, "virtio_snd_ctl_enum_item");
_Static_assert(sizeof(struct virtio_snd_ctl_value) == 512, "virtio_snd_ctl_value");
_Static_assert(sizeof(struct virtio_snd_ctl_event) == 8, "virtio_snd_ctl_event");

/*
 * The configuration space with the `controls' field. The driver reads
 * `controls' only when VIRTIO_SND_F_CTLS is negotiated; the device always
 * exposes all 16 bytes.
 */
struct snd_proto_config {
	__le32 jacks;
	__le32 streams;
	__le32 chmaps;
	__le32 controls;
};
_Static_assert(sizeof(struct snd_proto_config) == 16, "snd_proto_config");

/* Little-endian accessors on byte buffers of any alignment. */
static inline uint16_t snd_get_le16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t snd_get_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t snd_get_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void snd_put_le16(void *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void snd_put_le32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void snd_put_le64(void *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

#endif /* SND_PROTO_H */
