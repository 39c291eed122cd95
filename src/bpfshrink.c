/* bpfshrink: a smaller program for the same seccomp decisions.
 *
 * The kernel converts and JIT-compiles a filter at every seccomp(2) load, in time linear in its
 * length: libseccomp lays a profile out as a binary tree with one or two comparisons per system
 * call, hundreds of instructions for the shipped profiles.  Most calls are decided by their
 * number alone, and numbers with one decision come in long runs.  This file rewrites a finished
 * program P as
 *
 *   arch check -> a search tree over the runs -> one shared return per decision, or
 *   -> P' (P without the branches of the numbers the tree decided) for the calls whose decision
 *      depends on their arguments, and for every number past the tree.
 *
 * Everything is derived from P itself, not from the policy: an emulator runs P for each call
 * number and notes whether the decision read anything but the number and the architecture; the
 * pruning of P follows from the same facts (an abstract run of P where the number is known to be
 * one of the remaining ones).  The result Q is then run against P, by the same emulator, on every
 * call number below the tree's range, numbers around and past it (x32's, -1, the top bit), four
 * architectures, and argument values built from every constant P' compares with; one
 * difference and P is kept as it was.  So a mistake here can only cost the saving, never change
 * a decision.
 *
 * Not shrunk (P kept): a program for more than one architecture (i386 on), or with an
 * instruction the emulator does not model, or one the result would not make smaller. */
#include "seccomp_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define NBITS 512 /* call numbers the front decides: x86_64 has fewer than 512 */
#define OFF_NR 0
#define OFF_ARCH 4

/* ---- a concrete run ------------------------------------------------------------------------ */

/* Is a conditional jump (op: JEQ, JGT, JGE or JSET) taken with A = a and operand v? */
static bool jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	return op == BPF_JEQ   ? a == v
	       : op == BPF_JGT ? a > v
	       : op == BPF_JGE ? a >= v
			       : (a & v) != 0;
}

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
			case BPF_JGT:
			case BPF_JGE:
			case BPF_JSET:
				t = jump_taken(BPF_OP(f->code), A, v);
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
		(jump_taken(op, in->c, v) ? f : t)->kind = A_NONE;
		return;
	}
	if (in->kind != A_NR || op == BPF_JSET)
		return; /* unknown: both sides */
	/* The numbers that take the jump are one interval [lo, hi]; the others, the rest. */
	const uint64_t top = UINT32_MAX;
	uint64_t lo = op == BPF_JGT ? (uint64_t)v + 1 : v, hi = op == BPF_JEQ ? v : top;
	struct nrset a, b, above;
	set_clip(&in->s, lo, hi, &a, ovf);
	b.n = above.n = 0;
	if (lo > 0)
		set_clip(&in->s, 0, lo - 1, &b, ovf);
	if (hi < top) {
		set_clip(&in->s, hi + 1, top, &above, ovf);
		set_union(&b, &above, ovf);
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

/* ---- the front: a search tree over runs of numbers with one decision -------------------- */

/* Only instructions the kernel's own emulator follows (seccomp_is_const_allow: loads of the
 * number and the architecture, JEQ/JGT/JGE/JSET and JA with constants, RET with a constant):
 * a call that is always allowed must stay in the kernel's per-call cache, which spares it the
 * filter altogether.  (A bitmap test needs a shift, which that emulator does not follow.) */
#define MAXRUNS 240 /* the tree and its returns within the 255 a conditional jump reaches */
#define MAXDEC 16
#define DEC_REST MAXDEC /* the decision "go to P'" */

struct runs {
	unsigned n;
	uint32_t start[MAXRUNS + 1]; /* run i: [start[i], start[i+1]) */
	unsigned dec[MAXRUNS];	     /* an index into the returns, or DEC_REST */
};

struct tree {
	struct sock_filter *p;
	unsigned n, cap;
	/* a node's jump to a leaf: fixed once the returns are placed after the tree */
	unsigned fix_at[MAXRUNS * 2], fix_dec[MAXRUNS * 2], fix_side[MAXRUNS * 2], nfix;
	bool bad;
};

/* Runs i..j (at least two): JGE at the first number of the upper half; the lower half follows
 * the test (its false side), the upper half after that.  A side that is one run jumps straight
 * to that run's return. */
static void emit_node(struct tree *t, const struct runs *r, unsigned i, unsigned j)
{
	unsigned mid = (i + j + 1) / 2;
	unsigned at = t->n++;
	if (at >= t->cap || t->nfix + 2 > MAXRUNS * 2) {
		t->bad = true;
		return;
	}
	t->p[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, r->start[mid], 0, 0);
	for (int side = 0; side < 2; side++) { /* 0: false (lower half), 1: true (upper) */
		unsigned lo = side ? mid : i, hi = side ? j : mid - 1;
		if (lo == hi) {
			t->fix_at[t->nfix] = at;
			t->fix_dec[t->nfix] = r->dec[lo];
			t->fix_side[t->nfix++] = (unsigned)side;
			continue;
		}
		unsigned child = t->n, d = child - at - 1;
		if (d > 255) {
			t->bad = true;
			return;
		}
		if (side)
			t->p[at].jt = (uint8_t)d;
		else
			t->p[at].jf = (uint8_t)d;
		emit_node(t, r, lo, hi);
		if (t->bad)
			return;
	}
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
	/* Each number below NBITS: decided by the number alone (which return), or not (P'). */
	bool cond[NBITS];
	uint32_t ret[MAXDEC];
	unsigned nret = 0;
	struct runs r = {0};
	struct nrset entry = {0};
	bool ovf = false;
	for (uint32_t nr = 0; nr < NBITS; nr++) {
		memset(&d, 0, sizeof d);
		d.arch = arch;
		d.nr = (int)nr;
		struct run x = emulate(p, len, &d);
		if (!x.ok)
			return -1;
		cond[nr] = x.read_other;
		unsigned dec = DEC_REST;
		if (cond[nr]) {
			set_add(&entry, nr, nr, &ovf);
		} else {
			for (dec = 0; dec < nret && ret[dec] != x.ret; dec++)
				;
			if (dec == nret) {
				if (nret == MAXDEC)
					return -1;
				ret[nret++] = x.ret;
			}
		}
		if (r.n && r.dec[r.n - 1] == dec)
			continue;
		if (r.n == MAXRUNS)
			return -1;
		r.start[r.n] = nr;
		r.dec[r.n++] = dec;
	}
	/* and everything from NBITS up, to P' */
	set_add(&entry, NBITS, UINT32_MAX, &ovf);
	if (ovf)
		return -1;
	if (r.dec[r.n - 1] != DEC_REST) {
		if (r.n == MAXRUNS)
			return -1;
		r.start[r.n] = NBITS;
		r.dec[r.n++] = DEC_REST;
	}
	r.start[r.n] = 0; /* unused: the last run reaches 2^32 - 1 */

	struct sock_filter *pp = calloc(len, sizeof *pp);
	struct sock_filter *q = calloc(BPF_MAXINSNS, sizeof *q);
	int rc = -1;
	if (!pp || !q)
		goto out;
	unsigned pl = prune(p, len, arch, &entry, pp);
	if (!pl)
		goto out;
	/* arch; number; the tree; one return per decision, and the JA to P'; P' */
	q[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH);
	q[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0);
	q[2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, bad_arch);
	q[3] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR);
	struct tree t = {.p = q, .n = 4, .cap = BPF_MAXINSNS};
	unsigned leaf_at[MAXDEC + 1];
	if (r.n == 1) {
		goto out; /* one decision for every number: nothing to gain */
	}
	emit_node(&t, &r, 0, r.n - 1);
	if (t.bad)
		goto out;
	for (unsigned k = 0; k < nret; k++) {
		leaf_at[k] = t.n;
		q[t.n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret[k]);
	}
	leaf_at[DEC_REST] = t.n;
	unsigned ja = t.n++;
	for (unsigned k = 0; k < t.nfix; k++) {
		unsigned d = leaf_at[t.fix_dec[k]] - t.fix_at[k] - 1;
		if (d > 255)
			goto out;
		if (t.fix_side[k])
			q[t.fix_at[k]].jt = (uint8_t)d;
		else
			q[t.fix_at[k]].jf = (uint8_t)d;
	}
	unsigned pstart = t.n;
	if (pstart + pl >= len)
		goto out; /* not smaller: keep P */
	q[ja] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, pstart - ja - 1);
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
