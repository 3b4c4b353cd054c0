#!/usr/bin/env bash
# Installs the schema oracles the export tests validate against, from Debian:
#   libxml2-utils     xmllint --schema (W3C XML Schema validation, libxml2)
#   openscap-scanner  oscap (OpenSCAP, a maintained XCCDF consumer) and, through openscap-common, NIST's official
#                     XCCDF 1.2 schema at /usr/share/openscap/schemas/xccdf/1.2/xccdf_1.2.xsd
# Idempotent: does nothing when both tools and the schema are there. Needs root otherwise, and says so (exit 1).
# Prints the XCCDF 1.2 schema's path on its last line.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
XCCDF_XSD=/usr/share/openscap/schemas/xccdf/1.2/xccdf_1.2.xsd
log() { printf '[setup-xml-oracles] %s\n' "$*" >&2; }

need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
{ command -v oscap >/dev/null 2>&1 && [ -f "$XCCDF_XSD" ]; } || need_apt+=(openscap-scanner openscap-common)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then log "need root to apt-get install: ${need_apt[*]} (or install them yourself)"; exit 1; fi
  log "apt-get install ${need_apt[*]}"
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${need_apt[@]}" >/dev/null 2>&1 || {
    apt-get update -qq -o DPkg::Lock::Timeout=600
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${need_apt[@]}" >/dev/null
  }
fi
command -v xmllint >/dev/null 2>&1 || { log "xmllint still missing after installing libxml2-utils"; exit 1; }
command -v oscap >/dev/null 2>&1 || { log "oscap still missing after installing openscap-scanner"; exit 1; }
[ -f "$XCCDF_XSD" ] || { log "$XCCDF_XSD still missing after installing openscap-common"; exit 1; }
echo "$XCCDF_XSD"
