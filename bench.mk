# Make fragment: the benchmarks, `make bench' (not part of `make check').
# Included by the top-level Makefile after tests/unit/adapter.mk (VHU_LIB).
#
#   make bench                       every script of BENCHES in turn, each
#                                    printing its table; fails if one failed
#   make bench BENCH=snd-bench       only that one
#   make bench BENCH=blk-bench BENCH_ARGS='--rounds 3'
#                                    BENCH_ARGS go to the one selected only
#                                    (the scripts' options differ)
#
# Results and the commands behind them: docs/performance.md.

BENCH_DIR = $(BUILD)/tests/bench
BENCHES = blk-bench snd-bench snd-vm-bench
BENCH ?=

# snd-micro: a virtio-sound driver in a process, against the real
# vhost-user-sound over its socket (tests/bench/snd-bench runs it).
SND_MICRO = $(BENCH_DIR)/snd-micro
SND_MICRO_SRCS = tests/bench/snd-micro.c tests/bench/snd_front.c

$(SND_MICRO): $(SND_MICRO_SRCS) tests/bench/snd_front.h $(VHU_LIB) \
		$(BUILD)/lib/libvirtqueue.a | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib/vhost-user -Ilib/virtqueue $(LDFLAGS) -o $@ $(SND_MICRO_SRCS) \
		$(VHU_LIB) $(BUILD)/lib/libvirtqueue.a -pthread

# snd-latency, snd-period: run in the guest by snd-vm-bench (parts latency
# and timing; the guest sees the host's build/).
SND_LATENCY = $(BENCH_DIR)/snd-latency
SND_PERIOD = $(BENCH_DIR)/snd-period

SND_TIMING_SRCS = tests/bench/bench_pcm.c tests/bench/bench_opts.c

$(SND_LATENCY) $(SND_PERIOD): $(BENCH_DIR)/%: tests/bench/%.c $(SND_TIMING_SRCS) \
		tests/bench/bench_pcm.h tests/bench/bench_opts.h | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SND_TIMING_SRCS) -lasound

# sched-lat: a SCHED_FIFO thread's wake-up lateness, beside the zones of
# snd-vm-bench's isolation part (did the backend or the whole guest stall).
SCHED_LAT = $(BENCH_DIR)/sched-lat
$(SCHED_LAT): tests/bench/sched-lat.c tests/bench/bench_opts.c tests/bench/bench_opts.h | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/bench/bench_opts.c

.PHONY: bench-progs
bench-progs: $(SND_MICRO) $(SND_LATENCY) $(SND_PERIOD) $(SCHED_LAT)
# Built with everything else, so it cannot rot between benchmark runs.
all: bench-progs

# Every benchmark ends with tests/bench/plot KIND OUTDIR (PNGs next to its
# tables). check-bench-plot, part of `make check', runs that program on the
# hand-written fixtures in tests/bench/fixtures/ (host only, no VM, ~20 s).
.PHONY: check-bench-plot
check-bench-plot: setup
	tests/bench/plot-test
	tests/bench/trace-split-test

bench: all
	@fail=0; for b in $(if $(BENCH),$(BENCH),$(BENCHES)); do \
		case " $(BENCHES) " in *" $$b "*) ;; \
		*) echo "make bench: no benchmark '$$b' (BENCHES: $(BENCHES))" >&2; exit 2 ;; esac; \
		echo "== tests/bench/$$b"; \
		tests/bench/$$b $(if $(BENCH),$(BENCH_ARGS)) || \
			{ echo "== tests/bench/$$b failed (status $$?)" >&2; fail=1; }; \
	done; exit $$fail
