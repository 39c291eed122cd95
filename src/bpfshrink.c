/* bpfshrink: a smaller program for the same seccomp decisions.
 *
 * The kernel converts and JIT-compiles a filter at every seccomp(2) load, in time linear in its
 * length: the default profile's filter, as libseccomp lays it out (a binary tree with one or two
 * comparisons per system call), is about 640 instructions and 0.2 ms of every launch.  Most of
 * those calls are decided by their number alone.  This file rewrites a finished program P as
 *
 *   arch check -> one bit test of the call number in a bitmap per action -> return, or
 *   -> P' (P without the branches of the calls the bitmaps decided) for the calls whose decision
 *      depends on their arguments, and for every number past the bitmaps.
 *
 * Everything is derived from P itself, not from the policy: an emulator runs P for each call
 * number and notes whether the decision read anything but the number and the architecture; the
 * pruning of P follows from the same facts (an abstract run of P where the number is known to be
 * one of the remaining ones).  The result Q is then run against P, by the same emulator, on every
 * call number below the bitmaps, numbers around and past them (x32's, -1, the top bit), four
 * architectures, and argument values built from every constant P compares with; one difference
 * and P is kept as it was.  So a mistake here can only cost the saving, never change a decision.
 *
 * Not shrunk (P kept): a program for more than one architecture (i386 on), or with an
 * instruction the emulator does not model. */
#include "seccomp_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define NBITS 512 /* call numbers decided by the bitmaps: x86_64 has fewer than 512 */
#define NWORDS (NBITS / 32)
#define OFF_NR 0
#define OFF_ARCH 4

/* ---- a concrete run ------------------------------------------------------------------------ */

struct run {
	uint32_t ret;
	bool read_nr, read_other; /* loaded the call number / the instruction pointer or an arg */
	bool ok;		  /* the program was understood and ended in a return */
};

static uint32_t data_word(const struct seccomp_data *d, uint32_t off)
{
	uint32_t w;
	memcpy(&w, (const char *)d + off, sizeof w);
	return w;
}

/* Run prog on d.  Every instruction seccomp accepts is modelled; ok is false on anything else
 * (or a jump out of the program), which makes the callers keep P. */
static struct run emulate(const struct sock_filter *prog, unsigned len,
			  const struct seccomp_data *d)
{
	struct run r = {0};
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t k = f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k % 4 || k >= sizeof *d)
				return r;
			if (k == OFF_NR)
				r.read_nr = true;
			else if (k != OFF_ARCH)
				r.read_other = true;
			A = data_word(d, k);
			continue;
		case BPF_LD | BPF_W | BPF_LEN:
			A = sizeof *d;
			continue;
		case BPF_LDX | BPF_W | BPF_LEN:
			X = sizeof *d;
			continue;
		case BPF_LD | BPF_IMM:
			A = k;
			continue;
		case BPF_LDX | BPF_IMM:
			X = k;
			continue;
		case BPF_LD | BPF_MEM:
			if (k >= BPF_MEMWORDS)
				return r;
			A = M[k];
			continue;
		case BPF_LDX | BPF_MEM:
			if (k >= BPF_MEMWORDS)
				return r;
			X = M[k];
			continue;
		case BPF_ST:
			if (k >= BPF_MEMWORDS)
				return r;
			M[k] = A;
			continue;
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return r;
			M[k] = X;
			continue;
		case BPF_MISC | BPF_TAX:
			X = A;
			continue;
		case BPF_MISC | BPF_TXA:
			A = X;
			continue;
		case BPF_RET | BPF_K:
			r.ret = k;
			r.ok = true;
			return r;
		case BPF_RET | BPF_A:
			r.ret = A;
			r.ok = true;
			return r;
		default:
			break;
		}
		if (BPF_CLASS(f->code) == BPF_ALU) {
			uint32_t v = BPF_SRC(f->code) == BPF_X ? X : k;
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				A += v;
				break;
			case BPF_SUB:
				A -= v;
				break;
			case BPF_MUL:
				A *= v;
				break;
			case BPF_DIV:
				if (!v)
					return r;
				A /= v;
				break;
			case BPF_MOD:
				if (!v)
					return r;
				A %= v;
				break;
			case BPF_AND:
				A &= v;
				break;
			case BPF_OR:
				A |= v;
				break;
			case BPF_XOR:
				A ^= v;
				break;
			case BPF_LSH:
				A = v < 32 ? A << v : 0;
				break;
			case BPF_RSH:
				A = v < 32 ? A >> v : 0;
				break;
			case BPF_NEG:
				A = -A;
				break;
			default:
				return r;
			}
			continue;
		}
		if (BPF_CLASS(f->code) == BPF_JMP) {
			uint32_t v = BPF_SRC(f->code) == BPF_X ? X : k;
			bool t;
			switch (BPF_OP(f->code)) {
			case BPF_JA:
				if (pc + 1 + (uint64_t)k >= len)
					return r;
				pc += k;
				continue;
			case BPF_JEQ:
				t = A == v;
				break;
			case BPF_JGT:
				t = A > v;
				break;
			case BPF_JGE:
				t = A >= v;
				break;
			case BPF_JSET:
				t = (A & v) != 0;
				break;
			default:
				return r;
			}
			pc += t ? f->jt : f->jf;
			continue;
		}
		return r;
	}
	return r; /* ran off the end */
}

/* ---- sets of call numbers: sorted disjoint closed intervals --------------------------------- */

#define MAXIV 96
struct nrset {
	unsigned n;
	uint64_t lo[MAXIV], hi[MAXIV];
};

static void set_add(struct nrset *s, uint64_t lo, uint64_t hi, bool *overflow)
{
	if (lo > hi)
		return;
	/* kept sorted and merged: insertion is rare and the sets are small */
	unsigned i = 0;
	while (i < s->n && s->hi[i] + 1 < lo)
		i++;
	if (i < s->n && s->lo[i] <= hi + 1) {
		/* overlaps or touches interval i: merge, then swallow the followers it reaches */
		if (lo < s->lo[i])
			s->lo[i] = lo;
		if (hi > s->hi[i])
			s->hi[i] = hi;
		unsigned j = i + 1;
		while (j < s->n && s->lo[j] <= s->hi[i] + 1) {
			if (s->hi[j] > s->hi[i])
				s->hi[i] = s->hi[j];
			j++;
		}
		memmove(&s->lo[i + 1], &s->lo[j], (s->n - j) * sizeof s->lo[0]);
		memmove(&s->hi[i + 1], &s->hi[j], (s->n - j) * sizeof s->hi[0]);
		s->n -= j - i - 1;
		return;
	}
	if (s->n == MAXIV) {
		*overflow = true;
		return;
	}
	memmove(&s->lo[i + 1], &s->lo[i], (s->n - i) * sizeof s->lo[0]);
	memmove(&s->hi[i + 1], &s->hi[i], (s->n - i) * sizeof s->hi[0]);
	s->lo[i] = lo;
	s->hi[i] = hi;
	s->n++;
}

/* The part of s within [lo, hi]. */
static void set_clip(const struct nrset *s, uint64_t lo, uint64_t hi, struct nrset *out, bool *ovf)
{
	out->n = 0;
	for (unsigned i = 0; i < s->n; i++)
		set_add(out, s->lo[i] > lo ? s->lo[i] : lo, s->hi[i] < hi ? s->hi[i] : hi, ovf);
}

static void set_union(struct nrset *a, const struct nrset *b, bool *ovf)
{
	for (unsigned i = 0; i < b->n; i++)
		set_add(a, b->lo[i], b->hi[i], ovf);
}

/* ---- an abstract run: which instructions can a remaining call number reach? ---------------- */

enum akind { A_NONE, A_UNK, A_CONST, A_NR };
struct astate {
	enum akind kind; /* A_NONE: not reached */
	uint32_t c;	 /* A_CONST */
	struct nrset s;	 /* A_NR: A is the call number, one of these */
};

static void join(struct astate *into, const struct astate *from, bool *ovf)
{
	if (from->kind == A_NONE)
		return;
	if (into->kind == A_NONE) {
		*into = *from;
		return;
	}
	if (into->kind == A_NR && from->kind == A_NR) {
		set_union(&into->s, &from->s, ovf);
		return;
	}
	if (into->kind == A_CONST && from->kind == A_CONST && into->c == from->c)
		return;
	into->kind = A_UNK;
}

/* Split the state at a conditional jump on constant v: what reaches the true and false sides
 * (kind A_NONE: that side is never taken). */
static void split(const struct astate *in, uint16_t op, uint32_t v, struct astate *t,
		  struct astate *f, bool *ovf)
{
	*t = *in;
	*f = *in;
	if (in->kind == A_CONST) {
		bool taken = op == BPF_JEQ   ? in->c == v
			     : op == BPF_JGT ? in->c > v
			     : op == BPF_JGE ? in->c >= v
					     : (in->c & v) != 0;
		(taken ? f : t)->kind = A_NONE;
		return;
	}
	if (in->kind != A_NR || op == BPF_JSET)
		return; /* unknown: both sides */
	struct nrset a, b;
	const uint64_t top = UINT32_MAX;
	switch (op) {
	case BPF_JEQ:
		set_clip(&in->s, v, v, &a, ovf);
		set_clip(&in->s, 0, v ? v - 1 : 0, &b, ovf);
		if (!v)
			b.n = 0;
		{
			struct nrset above;
			set_clip(&in->s, (uint64_t)v + 1, top, &above, ovf);
			set_union(&b, &above, ovf);
		}
		break;
	case BPF_JGT:
		set_clip(&in->s, (uint64_t)v + 1, top, &a, ovf);
		set_clip(&in->s, 0, v, &b, ovf);
		break;
	default: /* BPF_JGE */
		set_clip(&in->s, v, top, &a, ovf);
		set_clip(&in->s, 0, v ? v - 1 : 0, &b, ovf);
		if (!v)
			b.n = 0;
		break;
	}
	t->s = a;
	f->s = b;
	if (!a.n)
		t->kind = A_NONE;
	if (!b.n)
		f->kind = A_NONE;
}

/* P' from P: the instructions a remaining call number can reach (arch known), with each jump
 * whose other side no remaining number takes turned into a JA, and JA chains shortened.  Writes
 * the new program to out (room for len), returns its length, 0 when P is not understood. */
static unsigned prune(const struct sock_filter *p, unsigned len, uint32_t arch,
		      const struct nrset *entry, struct sock_filter *out)
{
	struct astate *st = calloc(len, sizeof *st);
	int *tgt_t = calloc(len, sizeof *tgt_t), *tgt_f = calloc(len, sizeof *tgt_f);
	int *newidx = calloc(len, sizeof *newidx);
	bool *live = calloc(len, sizeof *live), *jump_only = calloc(len, sizeof *jump_only);
	unsigned n = 0;
	bool ovf = false;
	if (!st || !tgt_t || !tgt_f || !newidx || !live || !jump_only)
		goto out;
	st[0].kind = A_UNK;
	for (unsigned pc = 0; pc < len; pc++) {
		struct astate in = st[pc];
		tgt_t[pc] = tgt_f[pc] = -1;
		if (in.kind == A_NONE)
			continue;
		const struct sock_filter *f = &p[pc];
		struct astate o = in, t, e;
		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) == BPF_JMP) {
			uint16_t op = BPF_OP(f->code);
			if (op == BPF_JA) {
				if (pc + 1 + (uint64_t)f->k >= len)
					goto out;
				tgt_t[pc] = (int)(pc + 1 + f->k);
				join(&st[tgt_t[pc]], &in, &ovf);
				continue;
			}
			if (BPF_SRC(f->code) == BPF_X) {
				t = e = in;
				t.kind = e.kind = A_UNK;
			} else {
				split(&in, op, f->k, &t, &e, &ovf);
			}
			if (pc + 1 + (unsigned)f->jt >= len || pc + 1 + (unsigned)f->jf >= len)
				goto out;
			if (t.kind != A_NONE) {
				tgt_t[pc] = (int)(pc + 1 + f->jt);
				join(&st[tgt_t[pc]], &t, &ovf);
			}
			if (e.kind != A_NONE) {
				tgt_f[pc] = (int)(pc + 1 + f->jf);
				join(&st[tgt_f[pc]], &e, &ovf);
			}
			continue;
		}
		/* straight-line instructions: what A becomes */
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k == OFF_NR) {
				o.kind = A_NR;
				o.s = *entry;
			} else if (f->k == OFF_ARCH) {
				o.kind = A_CONST;
				o.c = arch;
			} else {
				o.kind = A_UNK;
			}
			break;
		case BPF_LD | BPF_IMM:
			o.kind = A_CONST;
			o.c = f->k;
			break;
		case BPF_LDX | BPF_IMM:
		case BPF_LDX | BPF_MEM:
		case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_ST:
		case BPF_STX:
		case BPF_MISC | BPF_TAX:
			break; /* A unchanged */
		default:
			if (BPF_CLASS(f->code) != BPF_ALU && BPF_CLASS(f->code) != BPF_LD &&
			    f->code != (BPF_MISC | BPF_TXA))
				goto out;
			o.kind = A_UNK;
			break;
		}
		if (pc + 1 >= len)
			goto out;
		tgt_t[pc] = (int)(pc + 1); /* falls through */
		join(&st[pc + 1], &o, &ovf);
	}
	if (ovf)
		goto out;
	/* A conditional jump taken one way only becomes a JA (one target, in tgt_t).  A JA's
	 * target that is itself a JA is skipped over (a JA reaches any distance; a two-way jump
	 * keeps its targets: its offsets are 8 bits). */
	for (unsigned pc = 0; pc < len; pc++) {
		if (st[pc].kind == A_NONE || BPF_CLASS(p[pc].code) != BPF_JMP)
			continue;
		if (tgt_t[pc] < 0) {
			tgt_t[pc] = tgt_f[pc];
			tgt_f[pc] = -1;
		}
		if (tgt_t[pc] < 0)
			goto out; /* a reached jump with no way on: not understood */
		if (BPF_OP(p[pc].code) != BPF_JA && tgt_f[pc] >= 0)
			continue;
		jump_only[pc] = true;
	}
	for (unsigned pc = 0; pc < len; pc++)
		if (jump_only[pc])
			while (jump_only[tgt_t[pc]])
				tgt_t[pc] = tgt_t[tgt_t[pc]];
	/* Live: reachable from 0 over the rewritten edges; straight-line code falls through. */
	live[0] = true;
	for (unsigned pc = 0; pc < len; pc++) {
		if (!live[pc])
			continue;
		if (tgt_t[pc] >= 0)
			live[tgt_t[pc]] = true;
		if (tgt_f[pc] >= 0)
			live[tgt_f[pc]] = true;
	}
	for (unsigned pc = 0; pc < len; pc++)
		newidx[pc] = live[pc] ? (int)n++ : -1;
	for (unsigned pc = 0; pc < len; pc++) {
		if (!live[pc])
			continue;
		struct sock_filter g = p[pc];
		unsigned at = (unsigned)newidx[pc];
		if (BPF_CLASS(g.code) == BPF_JMP) {
			if (jump_only[pc]) {
				g = (struct sock_filter)BPF_STMT(
				    BPF_JMP | BPF_JA, (uint32_t)(newidx[tgt_t[pc]] - (int)at - 1));
			} else {
				int dt = newidx[tgt_t[pc]] - (int)at - 1,
				    df = newidx[tgt_f[pc]] - (int)at - 1;
				if (dt < 0 || df < 0 || dt > 255 || df > 255) {
					n = 0;
					goto out;
				}
				g.jt = (uint8_t)dt;
				g.jf = (uint8_t)df;
			}
		} else if (BPF_CLASS(g.code) != BPF_RET && !live[pc + 1]) {
			/* a straight-line instruction whose successor went: cannot happen (its
			 * successor is reached through it) */
			n = 0;
			goto out;
		}
		out[at] = g;
	}
out:
	free(st);
	free(tgt_t);
	free(tgt_f);
	free(newidx);
	free(live);
	free(jump_only);
	return n;
}

/* ---- the bitmap front ---------------------------------------------------------------------- */

struct emitter {
	struct sock_filter *p;
	unsigned n, cap;
	bool full;
};

static unsigned emit(struct emitter *e, struct sock_filter f)
{
	if (e->n == e->cap) {
		e->full = true;
		return e->n;
	}
	e->p[e->n] = f;
	return e->n++;
}

#define MAXCLASS 8
struct word {
	unsigned nclass;
	uint32_t action[MAXCLASS], mask[MAXCLASS];
	uint32_t cond; /* numbers decided by P' (their arguments count) */
};

/* One word's block: A = 1 << (nr % 32) from M[0]; a JSET per class but the last, the last
 * class's return, then the returns the JSETs jump to, and a JA to P' for the numbers that
 * need their arguments.  ja_fix records JAs whose offset is set once P' is placed. */
static void emit_word(struct emitter *e, const struct word *w, unsigned *ja_fix, unsigned *nja)
{
	if (!w->nclass) { /* every number of the word needs its arguments */
		ja_fix[(*nja)++] = emit(e, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
		return;
	}
	/* Tests, then the fallthrough return, then what the tests jump to, in the same order:
	 * one return per class but the last, and the JA to P'.  Test k jumps to target k, which
	 * is always ntests instructions on. */
	unsigned ntests = w->nclass - 1 + (w->cond ? 1 : 0);
	if (ntests)
		emit(e, (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 0));
	for (unsigned c = 0; c + 1 < w->nclass; c++)
		emit(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, w->mask[c],
						     (uint8_t)ntests, 0));
	if (w->cond)
		emit(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, w->cond,
						     (uint8_t)ntests, 0));
	emit(e, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, w->action[w->nclass - 1]));
	for (unsigned c = 0; c + 1 < w->nclass; c++)
		emit(e, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, w->action[c]));
	if (w->cond)
		ja_fix[(*nja)++] = emit(e, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
}

/* A binary search over the word index in A (words lo..hi), then each word's block. */
static void emit_tree(struct emitter *e, const struct word *w, unsigned lo, unsigned hi,
		      unsigned *ja_fix, unsigned *nja)
{
	if (lo == hi) {
		emit_word(e, &w[lo], ja_fix, nja);
		return;
	}
	unsigned mid = (lo + hi + 1) / 2;
	/* the lower half first, falling through from the test: the test jumps over it */
	unsigned at = emit(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, mid, 0, 0));
	unsigned start = e->n;
	emit_tree(e, w, lo, mid - 1, ja_fix, nja);
	unsigned skip = e->n - start;
	if (skip > 255 || e->full) {
		e->full = true;
		return;
	}
	if (at < e->cap)
		e->p[at].jt = (uint8_t)skip;
	emit_tree(e, w, mid, hi, ja_fix, nja);
}

/* ---- verification -------------------------------------------------------------------------- */

static bool same_on(const struct sock_filter *p, unsigned pl, const struct sock_filter *q,
		    unsigned ql, const struct seccomp_data *d)
{
	struct run a = emulate(p, pl, d), b = emulate(q, ql, d);
	return a.ok && b.ok && a.ret == b.ret;
}

/* The constants P compares A with or masks it by: argument values around them reach every
 * branch of P's argument tests. */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static unsigned constants_of(const struct sock_filter *p, unsigned len, uint32_t *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < len && n < max; i++) {
		uint16_t cl = BPF_CLASS(p[i].code);
		if ((cl == BPF_JMP && BPF_OP(p[i].code) != BPF_JA) || cl == BPF_ALU)
			out[n++] = p[i].k;
	}
	qsort(out, n, sizeof *out, cmp_u32);
	unsigned u = 0;
	for (unsigned i = 0; i < n; i++)
		if (!u || out[u - 1] != out[i])
			out[u++] = out[i];
	return u;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* P and Q agree: every number below NBITS and a dozen past it, four architectures; where P
 * reads the arguments (and past NBITS), the arguments set around each constant P' compares
 * with, low and high words, then random mixes of them. */
static bool equivalent(const struct sock_filter *p, unsigned pl, const struct sock_filter *q,
		       unsigned ql, uint32_t arch, const bool *cond, const uint32_t *consts,
		       unsigned nc)
{
	static const uint32_t archs[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0};
	static const uint32_t far_nrs[] = {
	    NBITS,	NBITS + 1,	 0x3fffffff,	   0x40000000,
	    0x40000001, 0x40000000 + 59, 0x40000000 + 200, 0x40000200,
	    0x7fffffff, 0x80000000,	 0xfffffffe,	   0xffffffff};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct seccomp_data d;
	for (unsigned ai = 0; ai < sizeof archs / sizeof archs[0]; ai++) {
		for (uint64_t nr = 0; nr < NBITS + sizeof far_nrs / sizeof far_nrs[0]; nr++) {
			memset(&d, 0, sizeof d);
			d.arch = archs[ai];
			d.nr = (int)(nr < NBITS ? (uint32_t)nr : far_nrs[nr - NBITS]);
			if (!same_on(p, pl, q, ql, &d))
				return false;
			/* arguments matter only where P reads them: there, many values */
			bool many = archs[ai] == arch && (nr >= NBITS || cond[nr]);
			/* every argument at each constant, one above, one below, and in the high
			 * word: P' keeps all of P's argument tests, so what is checked here is
			 * that each of them is still where its jumps lead */
			for (unsigned i = 0; many && i < nc; i++)
				for (unsigned v = 0; v < 4; v++) {
					uint32_t c = consts[i] + (v == 1) - (v == 2);
					for (int a = 0; a < 6; a++)
						d.args[a] = v == 3 ? (uint64_t)c << 32 | c : c;
					if (!same_on(p, pl, q, ql, &d))
						return false;
				}
			unsigned tries = many ? 64 : 4;
			for (unsigned t = 0; t < tries; t++) {
				for (int a = 0; a < 6; a++) {
					uint64_t r = next_rand(&seed);
					uint32_t c = nc ? consts[r % nc] : 0;
					uint32_t pick[] = {c, c - 1,	  c + 1,
							   0, UINT32_MAX, (uint32_t)(r >> 32)};
					uint32_t lo = pick[(r >> 8) % 6], hi = pick[(r >> 16) % 6];
					if ((r >> 24) % 3 == 0)
						hi = 0;
					d.args[a] = (uint64_t)hi << 32 | lo;
				}
				d.instruction_pointer = next_rand(&seed);
				if (!same_on(p, pl, q, ql, &d))
					return false;
			}
		}
	}
	return true;
}

/* ---- the whole --------------------------------------------------------------------------------
 */

int lm_bpf_shrink(const struct sock_filter *p, unsigned short len, struct sock_filter **out,
		  unsigned short *outlen)
{
	const uint32_t arch = AUDIT_ARCH_X86_64;
	struct seccomp_data d;
	*out = NULL;
	/* Any other architecture must get one answer, from the architecture alone. */
	static const uint32_t others[] = {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0, UINT32_MAX};
	uint32_t bad_arch = 0;
	for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++) {
		memset(&d, 0, sizeof d);
		d.arch = others[i];
		struct run r = emulate(p, len, &d);
		if (!r.ok || r.read_nr || r.read_other || (i && r.ret != bad_arch))
			return -1;
		bad_arch = r.ret;
	}
	/* Each number below NBITS: decided by the number alone (and its action), or not. */
	bool cond[NBITS];
	struct word w[NWORDS];
	memset(w, 0, sizeof w);
	struct nrset entry = {0};
	bool ovf = false;
	for (uint32_t nr = 0; nr < NBITS; nr++) {
		memset(&d, 0, sizeof d);
		d.arch = arch;
		d.nr = (int)nr;
		struct run r = emulate(p, len, &d);
		if (!r.ok)
			return -1;
		struct word *x = &w[nr / 32];
		uint32_t bit = 1u << (nr % 32);
		cond[nr] = r.read_other;
		if (cond[nr]) {
			x->cond |= bit;
			set_add(&entry, nr, nr, &ovf);
			continue;
		}
		unsigned c = 0;
		while (c < x->nclass && x->action[c] != r.ret)
			c++;
		if (c == x->nclass) {
			if (x->nclass == MAXCLASS)
				return -1;
			x->action[x->nclass++] = r.ret;
		}
		x->mask[c] |= bit;
	}
	set_add(&entry, NBITS, UINT32_MAX, &ovf);
	if (ovf)
		return -1;
	/* The biggest class of each word last: it is the block's fallthrough, with no test. */
	for (unsigned i = 0; i < NWORDS; i++) {
		struct word *x = &w[i];
		unsigned best = 0;
		for (unsigned c = 1; c < x->nclass; c++)
			if (__builtin_popcount(x->mask[c]) > __builtin_popcount(x->mask[best]))
				best = c;
		if (x->nclass) {
			uint32_t a = x->action[best], m = x->mask[best];
			x->action[best] = x->action[x->nclass - 1];
			x->mask[best] = x->mask[x->nclass - 1];
			x->action[x->nclass - 1] = a;
			x->mask[x->nclass - 1] = m;
		}
	}

	struct sock_filter *pp = calloc(len, sizeof *pp);
	struct sock_filter *q = calloc(BPF_MAXINSNS, sizeof *q);
	unsigned ja_fix[NWORDS * 2 + 4], nja = 0;
	int rc = -1;
	if (!pp || !q)
		goto out;
	unsigned pl = prune(p, len, arch, &entry, pp);
	if (!pl)
		goto out;
	struct emitter e = {.p = q, .cap = BPF_MAXINSNS};
	emit(&e, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH));
	emit(&e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, bad_arch));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR));
	emit(&e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NBITS, 0, 1));
	ja_fix[nja++] = emit(&e, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
	/* M[0] = 1 << (nr % 32); A = nr / 32 */
	emit(&e, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 31));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 1));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_ST, 0));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR));
	emit(&e, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 5));
	emit_tree(&e, w, 0, NWORDS - 1, ja_fix, &nja);
	if (e.full || e.n + pl > BPF_MAXINSNS || e.n + pl >= len)
		goto out; /* not smaller: keep P */
	unsigned pstart = e.n;
	for (unsigned i = 0; i < nja; i++)
		q[ja_fix[i]].k = pstart - ja_fix[i] - 1;
	memcpy(q + pstart, pp, pl * sizeof *pp);
	unsigned ql = pstart + pl;
	uint32_t consts[BPF_MAXINSNS];
	unsigned nc = constants_of(pp, pl, consts, BPF_MAXINSNS);
	if (!equivalent(p, len, q, ql, arch, cond, consts, nc))
		goto out;
	*out = realloc(q, ql * sizeof *q);
	if (!*out)
		goto out;
	q = NULL;
	*outlen = (unsigned short)ql;
	rc = 0;
out:
	free(pp);
	free(q);
	return rc;
}
