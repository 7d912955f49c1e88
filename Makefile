# Installs the four binaries, their man pages and shell completions.
#
#   make install                    # under /usr/local (needs root)
#   make install PREFIX=~/.local    # for one user, no root
#   make uninstall PREFIX=~/.local
#
# BUILT names the directory holding built binaries (default: target/release,
# built with cargo when missing). DESTDIR is prepended to every path, for packagers.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
BASHDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHDIR ?= $(PREFIX)/share/fish/vendor_completions.d
BUILT   ?= target/release
CARGO   ?= cargo
BINS    := pp-split pp-totals pp-fold pp-html

.PHONY: all install uninstall

all: $(addprefix $(BUILT)/,$(BINS))

$(addprefix $(BUILT)/,$(BINS)):
	$(CARGO) build --release --locked

install: all
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHDIR)" \
		"$(DESTDIR)$(ZSHDIR)" "$(DESTDIR)$(FISHDIR)"
	for bin in $(BINS); do \
		install -m 755 "$(BUILT)/$$bin" "$(DESTDIR)$(BINDIR)/$$bin" && \
		install -m 644 "man/$$bin.1" "$(DESTDIR)$(MANDIR)/$$bin.1" && \
		"$(BUILT)/$$bin" --bpaf-complete-style-bash > "$(DESTDIR)$(BASHDIR)/$$bin" && \
		"$(BUILT)/$$bin" --bpaf-complete-style-zsh > "$(DESTDIR)$(ZSHDIR)/_$$bin" && \
		"$(BUILT)/$$bin" --bpaf-complete-style-fish > "$(DESTDIR)$(FISHDIR)/$$bin.fish" \
		|| exit 1; \
	done

uninstall:
	for bin in $(BINS); do \
		rm -f "$(DESTDIR)$(BINDIR)/$$bin" "$(DESTDIR)$(MANDIR)/$$bin.1" \
			"$(DESTDIR)$(BASHDIR)/$$bin" "$(DESTDIR)$(ZSHDIR)/_$$bin" \
			"$(DESTDIR)$(FISHDIR)/$$bin.fish"; \
	done
