#!/usr/bin/env bash
# `make audit`: a vulnerability scan of both lock files: the Python ones (requirements.lock,
# requirements-nodeps.lock) with pip-audit against PyPI's and OSV's databases, and the widget's
# web/package-lock.json with npm audit. A scanner that cannot reach its database says
# "NOT CHECKED: ... no database" and the command fails with exit code 3: never a silent pass.
# Exit codes: 0 no known vulnerability, 1 vulnerabilities found, 3 something could not be checked.
set -uo pipefail
cd "$(dirname "$0")/.."
AUDIT_VENV=var/audit-venv  # pip-audit in a venv of its own: it is not one of the bot's packages
status=0
found() { status=1; }
not_checked() {  # what, why
  echo "NOT CHECKED: $1: no database ($2)"
  [[ $status == 1 ]] || status=3
}

echo "=== Python lock files (pip-audit)"
if [[ ! -x $AUDIT_VENV/bin/pip-audit ]]; then
  { python3 -m venv "$AUDIT_VENV" && "$AUDIT_VENV/bin/pip" install --quiet pip-audit; } >var/audit-install.log 2>&1 \
    || rm -rf "$AUDIT_VENV"
fi
for lock in requirements.lock requirements-nodeps.lock; do
  if [[ ! -x $AUDIT_VENV/bin/pip-audit ]]; then
    not_checked "$lock" "pip-audit could not be installed: var/audit-install.log"
    continue
  fi
  # pip-audit passes a package it could not look up ("Dependency not found on PyPI": what a
  # registry mirror without the vulnerability data answers) as "No known vulnerabilities found":
  # its JSON report is read instead, and a package skipped counts as not checked.
  verdict="no answer" reasons=""
  for service in pypi osv; do
    rm -f var/audit.json
    "$AUDIT_VENV/bin/pip-audit" --disable-pip --no-deps --progress-spinner off -s "$service" -f json -o var/audit.json \
      -r "$lock" >var/audit.log 2>&1
    verdict=$(python3 - "$service" <<'PY' 2>/dev/null || echo "no answer: $(tail -n 1 var/audit.log)"
import json, sys
report = json.load(open("var/audit.json"))
deps = report.get("dependencies", [])
skipped = [d["name"] for d in deps if d.get("skip_reason")]
vulnerable = [f"{d['name']} {d['version']}: {', '.join(v['id'] for v in d['vulns'])}" for d in deps if d.get("vulns")]
if vulnerable:
    print("found\n" + "\n".join(vulnerable))
elif skipped and len(skipped) == len(deps):
    print(f"no answer: the {sys.argv[1]} database answered for none of the {len(deps)} packages")
elif skipped:
    print(f"partly: {len(skipped)} of {len(deps)} packages could not be looked up: {', '.join(skipped[:10])}")
else:
    print(f"clean: {len(deps)} packages, {sys.argv[1]} database")
PY
)
    [[ $verdict == "no answer"* ]] || break
    reasons="${reasons:+$reasons; }${verdict#no answer: }"
  done
  case $verdict in
    clean*) echo "$lock: no known vulnerabilities (${verdict#clean: })" ;;
    found*) echo "$lock: vulnerabilities:"; tail -n +2 <<<"$verdict"; found ;;
    partly*) not_checked "$lock" "${verdict#partly: }" ;;
    *) not_checked "$lock" "$reasons" ;;
  esac
done

echo "=== web/package-lock.json (npm audit)"
out=$(cd web && npm audit --package-lock-only 2>&1)
rc=$?
if [[ $rc == 0 ]]; then
  echo "web/package-lock.json: no known vulnerabilities"
elif grep -qE "[0-9]+ (low|moderate|high|critical)|vulnerabilit(y|ies) \(" <<<"$out"; then
  echo "$out"; found
else
  not_checked "web/package-lock.json" "$(grep -m1 -iE 'error' <<<"$out" || tail -n 1 <<<"$out")"
fi

case $status in
  0) echo "audit: no known vulnerabilities in either lock file" ;;
  1) echo "audit: vulnerabilities found (above)" ;;
  3) echo "audit: NOT everything was checked (above): this is no evidence of safety" ;;
esac
exit $status
