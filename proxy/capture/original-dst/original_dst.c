// Reads where a connection was going before iptables REDIRECT/DNAT sent it to the sidecar:
// getsockopt(SO_ORIGINAL_DST) asks conntrack for the pre-NAT destination of an accepted socket.
// Node exposes no such call, hence this addon; it also carries the one other socket option Node
// lacks that the sidecar needs, SO_SNDBUF (setSendBuffer below). N-API version 8 keeps one binary
// valid across Node versions (built against Node 20 headers, loaded by Node 24).
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

// From <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>; defined here because
// those headers clash with the libc ones on some distributions. Both are 80 in the kernel ABI.
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char code[32];
  char message[160];
  snprintf(code, sizeof code, "%d", err);
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_status set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_status s = napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

static napi_status set_int(napi_env env, napi_value obj, const char *key, int value) {
  napi_value v;
  napi_status s = napi_create_int32(env, value, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

static napi_value result(napi_env env, int family, const void *addr, unsigned short port_be) {
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family, addr, text, sizeof text) == NULL) return throw_errno(env, errno, "inet_ntop");
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  if (set_string(env, obj, "address", text) != napi_ok) return NULL;
  if (set_int(env, obj, "port", ntohs(port_be)) != napi_ok) return NULL;
  if (set_int(env, obj, "family", family == AF_INET6 ? 6 : 4) != napi_ok) return NULL;
  return obj;
}

// An IPv6 socket carrying IPv4 (::ffff:a.b.c.d) was tracked as IPv4 by conntrack.
static int is_v4_mapped(const struct sockaddr_in6 *a) {
  return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr);
}

// originalDst(fd) → { address, port, family }; throws with the errno as code (ENOENT = 2 when
// the connection was not NATed, e.g. a client that dialled the listener directly).
static napi_value original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "originalDst(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &len) != 0) return throw_errno(env, errno, "getsockname");

  if (local.ss_family == AF_INET6 && !is_v4_mapped((struct sockaddr_in6 *)&local)) {
    struct sockaddr_in6 dst;
    socklen_t dlen = sizeof dst;
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &dst, &dlen) != 0)
      return throw_errno(env, errno, "getsockopt(IP6T_SO_ORIGINAL_DST)");
    return result(env, AF_INET6, &dst.sin6_addr, dst.sin6_port);
  }
  struct sockaddr_in dst;
  socklen_t dlen = sizeof dst;
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &dlen) != 0)
    return throw_errno(env, errno, "getsockopt(SO_ORIGINAL_DST)");
  return result(env, AF_INET, &dst.sin_addr, dst.sin_port);
}

// setSendBuffer(fd, bytes) → the size the kernel now reports (it doubles the request for its own
// bookkeeping). Node exposes no SO_SNDBUF for TCP; a fixed size also turns off the kernel's
// autotuning for that socket, which is the point: a client that never reads can then hold only
// this much of the sidecar's output in the kernel, not up to tcp_wmem's 4 MiB.
static napi_value set_send_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  int32_t bytes;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_int32(env, argv[1], &bytes) != napi_ok || bytes <= 0) {
    napi_throw_type_error(env, NULL, "setSendBuffer(fd, bytes): fd >= 0 and bytes > 0 must be integers");
    return NULL;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0)
    return throw_errno(env, errno, "setsockopt(SO_SNDBUF)");
  int now = 0;
  socklen_t len = sizeof now;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &now, &len) != 0)
    return throw_errno(env, errno, "getsockopt(SO_SNDBUF)");
  napi_value v;
  if (napi_create_int32(env, now, &v) != napi_ok) return NULL;
  return v;
}

static int export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return 0;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  if (!export_fn(env, exports, "originalDst", original_dst)) return NULL;
  if (!export_fn(env, exports, "setSendBuffer", set_send_buffer)) return NULL;
  return exports;
}
