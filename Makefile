# virtcaps: build, test and install. Every knob can be overridden.
LUA_VERSION  ?= 5.4
LUA          ?= lua$(LUA_VERSION)
PKG_CONFIG   ?= pkg-config
LUA_INCDIR   ?= $(shell $(PKG_CONFIG) --variable=includedir lua$(LUA_VERSION))/lua$(LUA_VERSION)
XML_CFLAGS   ?= $(shell $(PKG_CONFIG) --cflags libxml-2.0)
XML_LIBS     ?= $(shell $(PKG_CONFIG) --libs libxml-2.0)
JSONC_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags json-c)
JSONC_LIBS   ?= $(shell $(PKG_CONFIG) --libs json-c)
NETTLE_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags nettle)
NETTLE_LIBS  ?= $(shell $(PKG_CONFIG) --libs nettle)
CC           ?= cc
CFLAGS       ?= -O2 -g
WARN         ?= -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2
LIBFLAG      ?= -shared
PREFIX       ?= /usr/local
DESTDIR      ?=
LUA_LIBDIR   ?= $(PREFIX)/lib/lua/$(LUA_VERSION)
LUA_SHAREDIR ?= $(PREFIX)/share/lua/$(LUA_VERSION)
BINDIR       ?= $(PREFIX)/bin
BUSTED       ?= $(LUA) /usr/bin/busted
BUILD        ?= build
CONFORMANCE  ?= spec/conformance-data

SRC     := $(wildcard src/*.c src/*/*.c)
HDR     := $(wildcard src/*.h src/*/*.h)
OBJ     := $(SRC:src/%.c=$(BUILD)/obj/%.o)
DEP     := $(OBJ:.o=.d)
CORE    := $(BUILD)/virtcaps/core.so
LUASRC  := $(shell find lua/virtcaps -name '*.lua')
ALL_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden $(WARN) $(CFLAGS) -Isrc -I$(LUA_INCDIR) $(XML_CFLAGS) $(JSONC_CFLAGS) $(NETTLE_CFLAGS)

DEBIAN_PACKAGES := gcc make pkg-config lua5.4 liblua5.4-dev libxml2-dev libxml2-utils libjson-c-dev nettle-dev lua-busted lua-cjson lua-dkjson lua-filesystem lua-check lua-ldoc libvirt0 luarocks clang libclang-rt-14-dev clang-tidy cppcheck valgrind systemd openssl

.PHONY: all deps reference-deps run test conformance reference kvm-test asan-test valgrind lint doc rock-check fuzz bench install uninstall clean

all: $(CORE) $(BUILD)/states $(BUILD)/failalloc $(BUILD)/hostsig.so $(BUILD)/swapdirs $(BUILD)/qemu_flags $(BUILD)/dcbuild

# Embed Lua: many states in one process (spec/lua/states_spec.lua), a
# state whose allocator fails (spec/lua/out_of_memory_spec.lua).
$(BUILD)/states $(BUILD)/failalloc: $(BUILD)/%: spec/harness/%.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -I$(LUA_INCDIR) $(LDFLAGS) -o $@ $< $$($(PKG_CONFIG) --libs lua$(LUA_VERSION))

# Preloaded into child Lua processes: hostile signal settings of a host
# process (spec/drivers/host_signals_spec.lua).
$(BUILD)/hostsig.so: spec/harness/hostsig.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $<

# Prints the QEMU capability flags of a probing record (spec/conformance/qemu_flags_spec.lua).
QEMU_FLAGS_OBJ := $(addprefix $(BUILD)/obj/,drivers/qemu_flags.o model/qemucaps.o base/base.o base/arch.o)
$(BUILD)/qemu_flags: spec/harness/qemu_flags.c $(QEMU_FLAGS_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(QEMU_FLAGS_OBJ) $(JSONC_LIBS)

# Swaps two paths in a loop: races root's emulator search (spec/drivers/root_emulators_spec.lua).
$(BUILD)/swapdirs: spec/harness/swapdirs.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The domain capabilities builder driven into its failures, calloc failing on
# demand (spec/model/domcaps_builder_spec.lua); from its sources, no objects.
DCBUILD_SRC := spec/harness/dcbuild.c src/model/domcaps.c src/base/base.c
$(BUILD)/dcbuild: $(DCBUILD_SRC) src/model/domcaps.h src/base/base.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -Isrc $(LDFLAGS) -Wl,--wrap=calloc -o $@ $(DCBUILD_SRC)

# Objects mirror src/'s folders; each depends on the headers it includes (-MMD -MP).
$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(DEP)

$(CORE): $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(LIBFLAG) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(XML_LIBS) $(JSONC_LIBS) $(NETTLE_LIBS)

# Installs the Debian packages the build and the tests need, when run as root
# and something is missing; otherwise it only says what is missing.
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:" $$missing; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
		else \
			echo "missing Debian packages (run as root to install):" $$missing >&2; exit 1; \
		fi; \
	fi

# The reference implementation, for side-by-side checks: libvirt 9.0.0 and
# QEMU from Debian, and the user its QEMU driver expects.
REFERENCE_PACKAGES := libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86 qemu-system-arm
reference-deps:
	@missing=$$(for p in $(REFERENCE_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		echo "installing the reference:" $$missing; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing || apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi; \
	if [ "$$(id -u)" = 0 ] && ! id libvirt-qemu >/dev/null 2>&1; then useradd --system --no-create-home libvirt-qemu; fi

# The document alone on stdout: the set-up and the build talk on stderr.
run:
	@$(MAKE) --no-print-directory deps all >&2
	@VIRTCAPS_BUILD=$(BUILD) $(LUA) bin/virtcaps

test: deps all
	$(BUSTED)

# The reference's outputs: make conformance CONFORMANCE=/path/to/data
conformance: deps all
	VIRTCAPS_CONFORMANCE=$(abspath $(CONFORMANCE)) $(BUSTED) --run=conformance

# Side by side with the reference on this machine; the specs fail, loudly,
# when the reference cannot be run.
reference: deps reference-deps all
	$(BUSTED) --run=reference

# What needs this machine's KVM (spec/kvm); fails, loudly, without /dev/kvm.
kvm-test: deps all
	$(BUSTED) --run=kvm

# The plain build too: children under a low ulimit -v cannot run ASan.
asan-test: deps all
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" all
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp \
		LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
		VIRTCAPS_BUILD=build-asan VIRTCAPS_CONFORMANCE=$(abspath $(CONFORMANCE)) $(BUSTED) --cpath=build-asan/?.so

# libFuzzer harnesses (fuzz/fuzz_*.c) link the C core without the Lua binding;
# the core is compiled once for all of them ($(BUILD)/fuzz/obj).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Isrc -I$(LUA_INCDIR) $(XML_CFLAGS) $(JSONC_CFLAGS)
FUZZ_LINK    := -fsanitize=fuzzer,address,undefined
FUZZ_OBJ     := $(SRC:src/%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_CORE    := $(filter-out $(BUILD)/fuzz/obj/binding/%,$(FUZZ_OBJ))
FUZZERS      := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard fuzz/fuzz_*.c))

$(BUILD)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

-include $(FUZZ_OBJ:.o=.d)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LINK) -o $@ $< $(FUZZ_CORE) $(XML_LIBS) $(JSONC_LIBS) $(NETTLE_LIBS)

# The options reader's harness drives the binding from Lua: it links both.
$(BUILD)/fuzz/fuzz_options: fuzz/fuzz_options.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LINK) -o $@ $< $(FUZZ_OBJ) $(XML_LIBS) $(JSONC_LIBS) $(NETTLE_LIBS) \
		$$($(PKG_CONFIG) --libs lua$(LUA_VERSION))

fuzz: deps $(FUZZERS)
	@for f in $(FUZZERS); do fuzz/run $$f $(FUZZ_SECONDS) $(abspath $(CONFORMANCE)) || exit 1; done

# Benchmarks print medians and ratios to the reference measured in the same run.
bench: deps all $(BUILD)/xmlbare $(BUILD)/spawntime
	bench/run

$(BUILD)/spawntime: bench/spawntime.c bench/timing.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -o $@ $<

$(BUILD)/xmlbare: bench/xmlbare.c bench/timing.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 $(XML_CFLAGS) -o $@ $< $(XML_LIBS)

install: all
	install -D -m 0755 $(CORE) $(DESTDIR)$(LUA_LIBDIR)/virtcaps/core.so
	for f in $(LUASRC); do install -D -m 0644 $$f $(DESTDIR)$(LUA_SHAREDIR)/$${f#lua/}; done
	@mkdir -p $(DESTDIR)$(BINDIR)
	sed -e 's|^local INSTALLED_LUA, INSTALLED_LIB = "", ""$$|local INSTALLED_LUA, INSTALLED_LIB = "'"$$(realpath -m --relative-to=$(BINDIR) $(LUA_SHAREDIR))"'", "'"$$(realpath -m --relative-to=$(BINDIR) $(LUA_LIBDIR))"'"|' \
		bin/virtcaps > $(DESTDIR)$(BINDIR)/virtcaps
	grep -q '^local INSTALLED_LUA, INSTALLED_LIB = "[^"]' $(DESTDIR)$(BINDIR)/virtcaps
	chmod 0755 $(DESTDIR)$(BINDIR)/virtcaps

uninstall:
	rm -rf $(DESTDIR)$(LUA_LIBDIR)/virtcaps $(DESTDIR)$(LUA_SHAREDIR)/virtcaps $(DESTDIR)$(BINDIR)/virtcaps

clean:
	rm -rf build build-asan

# 1,000 probe/parse/format cycles in one Lua state under valgrind: nothing
# definitely or indirectly lost, no invalid access.
VALGRIND_CYCLES ?= 1000
valgrind: deps all
	LUA_PATH="lua/?.lua;lua/?/init.lua" LUA_CPATH="$(BUILD)/?.so" valgrind --quiet --error-exitcode=1 \
		--leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		$(LUA) spec/harness/cycles.lua $(VALGRIND_CYCLES)

# Static analysis: luacheck (.luacheckrc), the layering of src/README.md
# (spec/project/layers_spec.lua shows it failing), cppcheck, then clang-tidy with
# .clang-tidy's checks.
lint: deps
	luacheck --no-color -q lua bin/virtcaps spec examples bench tools
	$(LUA) tools/layers.lua src
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 --inline-suppr -q \
		--std=c11 -Isrc -I$(LUA_INCDIR) src/
	clang-tidy --quiet $(SRC) -- -std=gnu11 -Isrc -I$(LUA_INCDIR) $(XML_CFLAGS) $(JSONC_CFLAGS)

# The API reference from the Lua modules' LDoc (config.ld), into build/doc;
# any LDoc warning fails.
doc: deps
	ldoc --fatalwarnings --testing .

# The README's luarocks command (Debian's lua-dkjson standing for the dkjson
# rock) into a scratch tree; then the module loads and the rock's virtcaps
# writes JSON.
ROCK_TREE = $(CURDIR)/$(BUILD)/rocktree
ROCK_MAKE := luarocks --lua-version $(LUA_VERSION) make --deps-mode=none
rock-check: deps
	rm -rf $(ROCK_TREE)
	grep -qF '$(ROCK_MAKE) rockspec/virtcaps-scm-1.rockspec' README.md
	luarocks --lua-version $(LUA_VERSION) lint rockspec/virtcaps-scm-1.rockspec
	$(ROCK_MAKE) --tree $(ROCK_TREE) rockspec/virtcaps-scm-1.rockspec
	find src -name '*.o' -delete; rm -rf virtcaps
	export LUA_PATH="$(ROCK_TREE)/share/lua/$(LUA_VERSION)/?.lua;$(ROCK_TREE)/share/lua/$(LUA_VERSION)/?/init.lua;;" \
		LUA_CPATH="$(ROCK_TREE)/lib/lua/$(LUA_VERSION)/?.so;;"; \
	$(LUA) -e 'local v = require "virtcaps"; assert(v.parse("<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>")); print("luarocks build loads: " .. v._VERSION)' && \
	$(ROCK_TREE)/bin/virtcaps --json nodeinfo | $(LUA) -e 'assert(require("dkjson").decode(io.read("a")).cpus > 0); print("its virtcaps writes JSON")'
