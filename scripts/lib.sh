# Shared by scripts/demo.sh and scripts/test-all.sh: checks and installs for a
# fresh Debian or Ubuntu machine with Node.js 20.

say() { printf '\033[1mvifdeck:\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mvifdeck:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs apt-get as root, through sudo when we are not root.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "installing $* needs root: run as root or install sudo"
    sudo="sudo"
  fi
  if [ -z "${VIFDECK_APT_UPDATED:-}" ]; then
    say "apt-get update"
    $sudo apt-get update -qq
    export VIFDECK_APT_UPDATED=1
  fi
  say "installing $* (Debian packages)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

check_node() {
  command -v node >/dev/null || die "Node.js 20 is needed: install it (e.g. apt-get install nodejs npm) and retry"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  { [ "$major" -ge 20 ] && [ "$major" -lt 23 ]; } || die "Node.js $major found: vifdeck needs Node.js 20 to 22"
}

# node_modules as package-lock.json says, installed only when it changed; the native
# better-sqlite3 module may compile from source, which needs make, g++ and python3.
install_node_modules() {
  local missing=()
  for tool in make g++ python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then apt_install build-essential python3; fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (a few minutes the first time: better-sqlite3 may compile)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  say "generating the Prisma clients"
  npm run --silent db:generate >/dev/null
}

# A production build, made again only when a source file is newer than it.
build_web() {
  if [ -f .next/BUILD_ID ] && [ -z "$(find app components server env.ts next.config.ts package-lock.json -newer .next/BUILD_ID -type f -not -path 'server/generated/*' -print -quit)" ]; then
    say "the web build is up to date"
    return
  fi
  say "building the web app (next build, about a minute)"
  npm run --silent build >/dev/null
}
