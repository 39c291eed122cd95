/* net: the new network namespace starts with only a loopback interface, down.  Bring it up so
 * that 127.0.0.1 works inside; nothing else exists, so nothing else is reachable. */
#include "lamina.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int lm_net_apply(const struct lm_config *c, struct lm_err *e)
{
	if (c->share_net || (c->disabled_layers & (LM_LAYER_NETNS | LM_LAYER_NAMESPACES))) {
		lm_verbose(c, "net", "%s", c->share_net ? "sharing the host network (--share-net)"
							: "LAYER DISABLED: host network namespace");
		return 0;
	}
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return lm_error(e, errno, "net", "socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return lm_error(e, errno, "net", "reading lo's flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return lm_error(e, errno, "net", "bringing lo up");
	lm_verbose(c, "net", "new network namespace: lo up, no other interface");
	return 0;
}
