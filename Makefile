# virtcaps: build, test and install. Every knob can be overridden.
LUA_VERSION  ?= 5.4
LUA          ?= lua$(LUA_VERSION)
PKG_CONFIG   ?= pkg-config
LUA_INCDIR   ?= $(shell $(PKG_CONFIG) --variable=includedir lua$(LUA_VERSION))/lua$(LUA_VERSION)
XML_CFLAGS   ?= $(shell $(PKG_CONFIG) --cflags libxml-2.0)
XML_LIBS     ?= $(shell $(PKG_CONFIG) --libs libxml-2.0)
JSONC_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags json-c)
JSONC_LIBS   ?= $(shell $(PKG_CONFIG) --libs json-c)
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
CONFORMANCE  ?= ../shared/conformance

SRC     := $(wildcard src/*.c)
HDR     := $(wildcard src/*.h)
OBJ     := $(SRC:src/%.c=$(BUILD)/obj/%.o)
CORE    := $(BUILD)/virtcaps/core.so
LUASRC  := $(wildcard lua/virtcaps/*.lua)
ALL_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden $(WARN) $(CFLAGS) -I$(LUA_INCDIR) $(XML_CFLAGS) $(JSONC_CFLAGS)

DEBIAN_PACKAGES := gcc make pkg-config lua5.4 liblua5.4-dev libxml2-dev libxml2-utils libjson-c-dev lua-busted lua-cjson libvirt0 luarocks

.PHONY: all deps run test conformance asan-test rock-check install uninstall clean

all: $(CORE)

$(BUILD)/obj/%.o: src/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CORE): $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(LIBFLAG) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(XML_LIBS) $(JSONC_LIBS)

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

run: deps all
	@$(LUA) bin/virtcaps

test: deps all
	$(BUSTED)

# The reference's outputs: make conformance CONFORMANCE=/path/to/data
conformance: deps all
	VIRTCAPS_CONFORMANCE=$(abspath $(CONFORMANCE)) $(BUSTED) --run=conformance

asan-test: deps
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" all
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp \
		LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
		VIRTCAPS_BUILD=build-asan VIRTCAPS_CONFORMANCE=$(abspath $(CONFORMANCE)) $(BUSTED) --cpath=build-asan/?.so

install: all
	install -D -m 0755 $(CORE) $(DESTDIR)$(LUA_LIBDIR)/virtcaps/core.so
	for f in $(LUASRC); do install -D -m 0644 $$f $(DESTDIR)$(LUA_SHAREDIR)/virtcaps/$$(basename $$f); done
	install -D -m 0755 bin/virtcaps $(DESTDIR)$(BINDIR)/virtcaps

uninstall:
	rm -rf $(DESTDIR)$(LUA_LIBDIR)/virtcaps $(DESTDIR)$(LUA_SHAREDIR)/virtcaps $(DESTDIR)$(BINDIR)/virtcaps

clean:
	rm -rf build build-asan

# Builds and installs through Debian's luarocks into a scratch tree, then loads it.
rock-check: deps
	rm -rf $(BUILD)/rocktree
	luarocks --lua-version $(LUA_VERSION) make --tree $(BUILD)/rocktree rockspec/virtcaps-scm-1.rockspec
	rm -rf src/*.o virtcaps
	LUA_PATH="$(BUILD)/rocktree/share/lua/$(LUA_VERSION)/?.lua;$(BUILD)/rocktree/share/lua/$(LUA_VERSION)/?/init.lua" \
		LUA_CPATH="$(BUILD)/rocktree/lib/lua/$(LUA_VERSION)/?.so" \
		$(LUA) -e 'local v = require "virtcaps"; assert(v.parse("<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>")); print("luarocks build loads: " .. v._VERSION)'
