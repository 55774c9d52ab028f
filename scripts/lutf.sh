#!/usr/bin/env bash
#
# lutf.sh: run LUTF (the LNet Unit Test Framework) as a Lustre test suite.
#
# It drives `lutf launch` with the options that make LUTF report as a bash suite does under
# auster (--auster-yaml, --auster-log-prefix, --auster-host, --tf-skip, --fail-fast, --lenient; see
# `lutf run --help`) and a cluster file whose agents carry every role their host has (roles:,
# aliases:). Facts about auster quoted below refer to lustre-release c881f8ebcb.
#
# Where it goes
#   As lustre/tests/lutf.sh, with the lutf binary at lustre/tests/lutf/bin/lutf (its python/ and
#   suites/ next to bin/), or anywhere on PATH, or named by $LUTF. Never install the binary as the
#   plain file lustre/tests/lutf: auster looks for "NAME" before "NAME.sh" and would feed the
#   binary to bash.
#
# Under auster:   auster -f CFG -d DIR lutf [--only LIST] [--except LIST] [--pattern GLOB]
#   auster runs "bash .../lutf.sh" with no arguments. stdout and stderr already go to
#   $LOGDIR/lutf.suite_log.<host>.log, and auster has opened the "lutf" entry in $YAML_LOG, which it
#   closes (duration, status) after we exit. This script:
#     * loads test-framework.sh and the test configuration, as every Lustre suite does;
#     * makes one LUTF agent per host of the configuration, carrying every role that host has;
#     * runs lutf, which appends one SubTests item per test to $YAML_LOG, writes
#       lutf.<subtest>.test_log.<host>.log (and debug logs) into $LOGDIR, and removes $TF_SKIP once
#       a test has really run;
#     * exits with lutf's status (0 all passed, 1 a test failed, 2 set-up or usage error).
#   auster turns every "--suite" on its command line into "-S" before it parses its suite list, so
#   "lutf --suite routing" reaches this script only through auster's own command line: we read
#   it there and run that suite (saying so), but auster afterwards looks for suites named "-S"
#   and "routing" and reports them missing. Rather use:
#       --only routing               (a suite name in ONLY: all of that suite)
#       --only routing/01_configure  (one test; KEY or test_SUITE_KEY also work)
#       --pattern 'routing/*'
#       SUITE=routing auster ...     (in the environment; auster leaves SUITE alone)
#   or put "lutf --suite routing" in a test-group file (-g), where it is not rewritten.
#
# By hand:   [LOGDIR=DIR] lutf.sh [lutf run arguments...]
#   This script then also writes the "lutf" entry that auster would write around the SubTests, and
#   tees its output to $LOGDIR/lutf.suite_log.<host>.log.
#
# Without a Lustre test tree (no test-framework.sh under $LUSTRE, the script's parent directory,
# /usr/lib64/lustre or /usr/lib/lustre), it falls back to "environment mode": the cluster comes
# from exported variables only (mds_HOST, mdsN_HOST, mgs_HOST, ost_HOST, ostN_HOST, *failover_HOST,
# rtrN_HOST, CLIENTS, RCLIENTS, MDSCOUNT, OSTCOUNT). It is meant for development and LUTF's own
# tests. Set LUTF_REQUIRE_FRAMEWORK=yes to make that an error instead.
#
# Optional environment:
#   LUTF                  the lutf binary
#   LUTF_RESULTS          LUTF's own results directory (default $LOGDIR/lutf)
#   LUTF_EXCEPT           tests never to run, added to EXCEPT (e.g. set in cfg/tests-to-skip.sh)
#   LUTF_RUN_OPTIONS      extra "lutf run" options, split on blanks (e.g. "--timeout 600")
#   LUTF_FAIL_ON_ERROR    true|false: stop at the first failure (default: $FAIL_ON_ERROR, which
#                         cfg/local.sh makes true and "auster -k" makes false)
#   LUTF_LNET             system (default) | simulated;   LUTF_SIM_FABRIC (with simulated)
#   LUTF_KEEP_LUSTRE      yes: do not unmount a mounted Lustre around the run (real LNet only)
#   LUTF_PUSH             yes: copy lutf and the suites to every host first (lutf launch --push)
#   MASTER_ADDRESS        HOST[:PORT] the agents connect to (default $(hostname):$LUTF_PORT)
#   LUTF_PORT             the master's port (default 8494)
#   LUTF_VIA              ssh | pdsh | local (default: local when PDSH is no_dsh, as in cfg/local.sh;
#                         pdsh when PDSH is a pdsh command; else ssh)
#   LUTF_KEY, LUTF_SSH_USER, LUTF_SSH_PORT, LUTF_SSH_IDENTITY, LUTF_SSH_CONFIG (ssh -F FILE),
#   LUTF_SSH_OPTIONS (blank-separated), LUTF_PYTHON, LUTF_LISTEN (where the master listens),
#   LUTF_MISSED_HEARTBEATS: copied into the cluster file (see `lutf launch --help`)
#   LUTF_DRY_RUN          yes: print the cluster file and the lutf command, then stop
#   LUTF_KEEP_TMP         yes: keep the temporary directory (cluster file, stderr copy)
#
# Note for readers who know Lustre's suites: once test-framework.sh is loaded, "set -e" and its
# ERR trap are active. A failing command at the top level of this script ends it, and the trap
# writes $TF_FAIL; inside functions the trap does not fire (no "set -E") but "set -e" still
# applies. So every command either must succeed or sit in an if/&&/|| condition, and the
# functions below test their own failures and return a status instead.

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
	echo "lutf.sh: run this script, do not source it" >&2
	return 1
fi

lutf_self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
lutf_dir=${lutf_self%/*}
lutf_args=("$@")

# Under auster both of these are in our environment (auster exports them); by hand normally
# neither is. Decide now, before init_logging sets YAML_LOG for the by-hand case.
if [[ -n ${YAML_LOG:-} && -n ${TF_SKIP:-} ]]; then
	lutf_under_auster=true
else
	lutf_under_auster=false
fi

lutf_say() { echo "lutf.sh: $*"; }
lutf_warn() { echo "lutf.sh: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Finding things
# ---------------------------------------------------------------------------------------------

# The Lustre directory holding tests/test-framework.sh, or status 1.
lutf_find_lustre() {
	local candidate
	for candidate in "${LUSTRE:-}" "$lutf_dir/.." /usr/lib64/lustre /usr/lib/lustre; do
		if [[ -n $candidate && -f $candidate/tests/test-framework.sh ]]; then
			(cd "$candidate" && pwd)
			return
		fi
	done
	return 1
}

# The lutf binary: $LUTF; the installed copy next to this script (lustre/tests/lutf/bin/lutf); the
# newer build of a LUTF checkout (scripts/../.build/...); else the one on PATH.
lutf_find_binary() {
	local candidate newest=""
	if [[ -n ${LUTF:-} ]]; then
		echo "$LUTF"
		return
	fi
	candidate=$lutf_dir/lutf/bin/lutf
	if [[ -f $candidate && -x $candidate ]]; then
		echo "$candidate"
		return
	fi
	for candidate in "$lutf_dir/../.build/release/lutf" "$lutf_dir/../.build/debug/lutf"; do
		if [[ -f $candidate && -x $candidate ]]; then
			if [[ -z $newest || $candidate -nt $newest ]]; then
				newest=$candidate
			fi
		fi
	done
	if [[ -n $newest ]]; then
		echo "$newest"
		return
	fi
	command -v lutf
}

# ---------------------------------------------------------------------------------------------
# YAML output (own writers; the format is the one auster's results.yml uses)
# ---------------------------------------------------------------------------------------------

# A one-line YAML double-quoted scalar. Unlike bash's %q, the result is always valid YAML.
lutf_yaml_quote() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//$'\r'/\\r}
	# Any other control character is dropped.
	s=$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037\177')
	printf '"%s"' "$s"
}

# TestGroup header and "Tests:" (by hand, environment mode, no results.yml yet).
lutf_yaml_header() {
	printf 'TestGroup:\n    test_group: %s\n    testhost: %s\n    submission: %s\n    user_name: %s\nproject: %s\nTests:\n' \
		"${TEST_GROUP:-lutf}" "${TEST_HOST:-$lutf_short_host}" "$(LC_ALL=C date)" \
		"${TEST_USER:-${USER:-$(id -un)}}" "${TEST_PROJECT:-LUSTRE}"
}

# Opens a suite entry, as auster does before running a suite (by hand only).
lutf_yaml_suite_open() {
	printf -- '-\n        name: %s\n        description: %s %s\n        submission: %s\n        report_version: 2\n        SubTests:\n' \
		"$1" "$1" "$1" "$(LC_ALL=C date)"
}

# Closes it: DURATION STATUS (by hand only).
lutf_yaml_suite_close() {
	printf '        duration: %s\n        status: %s\n' "$1" "$2"
}

# One SubTests item: NAME STATUS DURATION RETURN_CODE [ERROR]
lutf_yaml_subtest() {
	local error=""
	if [[ -n ${5:-} ]]; then
		error=" $(lutf_yaml_quote "$5")"
	fi
	printf '        -\n            name: %s\n            status: %s\n            duration: %s\n            return_code: %s\n            error:%s\n' \
		"$1" "$2" "$3" "$4" "$error"
}

# ---------------------------------------------------------------------------------------------
# The cluster: one agent per host, every role of that host
# ---------------------------------------------------------------------------------------------

lutf_agent_name=()
lutf_agent_host=()
lutf_agent_roles=()     # blank-separated
lutf_agent_aliases=()   # blank-separated
declare -A lutf_agent_slot=()

# The key two spellings of one host share: the short name in lower case (as in auster's
# `hostname -s` log names); an IP address as a whole.
lutf_host_key() {
	local host=${1,,}
	if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then
		echo "$host"
	else
		echo "${host%%.*}"
	fi
}

# lutf_add FACET HOST ROLE: FACET (mds1, mgs, ost2, client3, ...) lives on HOST with ROLE.
# The first facet seen on a host names its agent; later ones add a role and an alias.
lutf_add() {
	local name=$1 host=$2 role=$3 key slot
	if [[ -z $host ]]; then
		return 0
	fi
	if ! [[ $host =~ ^[A-Za-z0-9][A-Za-z0-9._:-]*$ ]]; then # no blanks, quotes or YAML syntax
		lutf_warn "$name: '$host' is not a host name or address"
		return 1
	fi
	key=$(lutf_host_key "$host")
	slot=${lutf_agent_slot[$key]:-}
	if [[ -z $slot ]]; then
		slot=${#lutf_agent_name[@]}
		lutf_agent_slot[$key]=$slot
		lutf_agent_name[slot]=$name
		lutf_agent_host[slot]=$host
		lutf_agent_roles[slot]=$role
		lutf_agent_aliases[slot]=""
		return 0
	fi
	if [[ " ${lutf_agent_roles[slot]} " != *" $role "* ]]; then
		lutf_agent_roles[slot]+=" $role"
	fi
	if [[ $name != "${lutf_agent_name[slot]}" && " ${lutf_agent_aliases[slot]} " != *" $name "* ]]; then
		lutf_agent_aliases[slot]=${lutf_agent_aliases[slot]:+${lutf_agent_aliases[slot]} }$name
	fi
}

# The indices N of the set variables PREFIX<N>_HOST, sorted numerically.
lutf_indices() {
	local prefix=$1 var
	for var in $(compgen -v "$prefix"); do
		if [[ $var =~ ^${prefix}([0-9]+)_HOST$ && -n ${!var} ]]; then
			echo "${BASH_REMATCH[1]}"
		fi
	done | sort -n
}

# The larger of COUNT and the highest index of PREFIX<N>_HOST.
lutf_facet_count() {
	local count=${1:-0} prefix=$2 top
	top=$(lutf_indices "$prefix" | tail -n 1)
	if [[ -n $top ]] && ((top > count)); then
		count=$top
	fi
	echo "$count"
}

# Routers are LUTF's own convention (auster has no router facet): rtrN_HOST.
lutf_add_routers() {
	local i var
	for i in $(lutf_indices rtr); do
		var=rtr${i}_HOST
		lutf_add "rtr$i" "${!var}" router || return 1
	done
}

# clientK for the K-th host in the lists given (commas or blanks between names).
lutf_add_clients() {
	local list host k=0
	list=$(echo "$*" | tr ',' ' ')
	for host in $list; do
		k=$((k + 1))
		lutf_add "client$k" "$host" client || return 1
	done
}

# Framework mode: the facets as test-framework.sh resolves them (defaults, failover state).
lutf_facets_from_framework() {
	local i facet host clients
	for ((i = 1; i <= ${MDSCOUNT:-1}; i++)); do
		lutf_add "mds$i" "$(facet_active_host "mds$i")" MDS || return 1
	done
	lutf_add mgs "$(facet_active_host mgs)" MGS || return 1
	for ((i = 1; i <= ${OSTCOUNT:-0}; i++)); do
		lutf_add "ost$i" "$(facet_active_host "ost$i")" OSS || return 1
	done
	# Passive failover partners are nodes too (auster's all_nodes includes them).
	for facet in $(seq -f 'mds%g' 1 "${MDSCOUNT:-1}") mgs $(seq -f 'ost%g' 1 "${OSTCOUNT:-0}"); do
		host=$(facet_passive_host "$facet")
		case $facet in
		mds*) lutf_add "${facet}failover" "$host" MDS || return 1 ;;
		mgs) lutf_add "${facet}failover" "$host" MGS || return 1 ;;
		ost*) lutf_add "${facet}failover" "$host" OSS || return 1 ;;
		esac
	done
	lutf_add_routers || return 1
	# CLIENTS is normally complete already (auster's init_clients_lists: CLIENT1, this host and
	# RCLIENTS). Build it when a by-hand configuration left it empty.
	if [[ -z ${CLIENTS:-} ]]; then
		init_clients_lists
	fi
	clients=$CLIENTS
	if [[ $clients == *[* ]] && declare -F hostlist_expand >/dev/null; then
		clients=$(hostlist_expand "$clients")
	fi
	lutf_add_clients "$clients"
}

# Environment mode: exported variables only, with LUTF's own defaults. These follow
# test-framework's facet_host defaults where they can; mgs falls back to mds1's host when neither
# mgs_HOST nor mds_HOST is set.
lutf_facets_from_environment() {
	local i var host count
	count=$(lutf_facet_count "${MDSCOUNT:-}" mds)
	if ((count == 0)) && [[ -n ${mds_HOST:-} ]]; then
		count=1
	fi
	for ((i = 1; i <= count; i++)); do
		var=mds${i}_HOST
		lutf_add "mds$i" "${!var:-${mds_HOST:-}}" MDS || return 1
	done
	lutf_add mgs "${mgs_HOST:-${mds_HOST:-${mds1_HOST:-}}}" MGS || return 1
	count=$(lutf_facet_count "${OSTCOUNT:-}" ost)
	if ((count == 0)) && [[ -n ${ost_HOST:-} ]]; then
		count=1
	fi
	for ((i = 1; i <= count; i++)); do
		var=ost${i}_HOST
		lutf_add "ost$i" "${!var:-${ost_HOST:-}}" OSS || return 1
	done
	for var in $(compgen -v | grep -E '^(mds[0-9]*|mgs|ost[0-9]*)failover_HOST$'); do
		host=${!var}
		case $var in
		mds*) lutf_add "${var%_HOST}" "$host" MDS || return 1 ;;
		mgs*) lutf_add "${var%_HOST}" "$host" MGS || return 1 ;;
		ost*) lutf_add "${var%_HOST}" "$host" OSS || return 1 ;;
		esac
	done
	lutf_add_routers || return 1
	lutf_add_clients "${CLIENTS:-}" "${RCLIENTS:-}"
}

# Exports what the facets resolved to, so test scripts see it (lutf passes *_HOST, CLIENTS, ...
# through to them). In framework mode these were plain shell variables of the configuration.
lutf_export_facets() {
	local i var host
	for ((i = 1; i <= ${MDSCOUNT:-1}; i++)); do
		if [[ $lutf_mode == framework ]]; then
			host=$(facet_active_host "mds$i")
		else
			var=mds${i}_HOST
			host=${!var:-${mds_HOST:-}}
		fi
		if [[ -n $host ]]; then
			export "mds${i}_HOST=$host"
		fi
	done
	for ((i = 1; i <= ${OSTCOUNT:-0}; i++)); do
		if [[ $lutf_mode == framework ]]; then
			host=$(facet_active_host "ost$i")
		else
			var=ost${i}_HOST
			host=${!var:-${ost_HOST:-}}
		fi
		if [[ -n $host ]]; then
			export "ost${i}_HOST=$host"
		fi
	done
	for var in mgs_HOST mds_HOST ost_HOST $(compgen -v | grep -E '^rtr[0-9]+_HOST$') \
		MDSCOUNT OSTCOUNT CLIENTS RCLIENTS NETTYPE FSNAME PDSH; do
		if [[ -n ${!var:-} ]]; then
			export "$var=${!var}"
		fi
	done
}

# lutf_yaml_block_list INDENT WORD...: a block sequence, items as plain scalars.
lutf_yaml_block_list() {
	local indent=$1 item
	shift
	for item in "$@"; do
		printf '%s- %s\n' "$indent" "$item"
	done
}

# How agents are started: $LUTF_VIA, else what the configuration's PDSH says: "no_dsh" (auster's
# one-host default, cfg/local.sh) runs them on this host, a pdsh command line through pdsh, and
# anything else (or nothing) through ssh.
lutf_via() {
	if [[ -n ${LUTF_VIA:-} ]]; then
		echo "$LUTF_VIA"
	elif [[ ${PDSH:-} == no_dsh ]]; then
		echo local
	elif [[ ${PDSH:-} == pdsh* ]]; then
		echo pdsh
	fi
}

# The cluster file for "lutf launch --cluster".
lutf_cluster_yaml() {
	local master=${MASTER_ADDRESS:-$(hostname)} slot option
	if [[ $master != *:* ]]; then
		master=$master:${LUTF_PORT:-8494}
	fi
	echo "cluster:"
	echo "  master: $(lutf_yaml_quote "$master")"
	echo "  lnet: ${LUTF_LNET:-system}"
	if [[ -n ${LUTF_SIM_FABRIC:-} ]]; then echo "  sim_fabric: $(lutf_yaml_quote "$LUTF_SIM_FABRIC")"; fi
	if [[ -n ${LUTF_KEY:-} ]]; then echo "  key: $(lutf_yaml_quote "$LUTF_KEY")"; fi
	if [[ -n $(lutf_via) ]]; then echo "  via: $(lutf_via)"; fi
	if [[ -n ${LUTF_PYTHON:-} ]]; then echo "  python: $(lutf_yaml_quote "$LUTF_PYTHON")"; fi
	if [[ -n ${LUTF_SSH_USER:-} ]]; then echo "  ssh_user: $(lutf_yaml_quote "$LUTF_SSH_USER")"; fi
	if [[ -n ${LUTF_SSH_PORT:-} ]]; then echo "  ssh_port: $LUTF_SSH_PORT"; fi
	if [[ -n ${LUTF_SSH_IDENTITY:-} ]]; then echo "  ssh_identity: $(lutf_yaml_quote "$LUTF_SSH_IDENTITY")"; fi
	if [[ -n ${LUTF_SSH_CONFIG:-} ]]; then echo "  ssh_config: $(lutf_yaml_quote "$LUTF_SSH_CONFIG")"; fi
	if [[ -n ${LUTF_LISTEN:-} ]]; then echo "  listen: $(lutf_yaml_quote "$LUTF_LISTEN")"; fi
	if [[ -n ${LUTF_MISSED_HEARTBEATS:-} ]]; then echo "  missed_heartbeats: $LUTF_MISSED_HEARTBEATS"; fi
	if [[ -n ${LUTF_SSH_OPTIONS:-} ]]; then
		echo "  ssh_options:"
		for option in $LUTF_SSH_OPTIONS; do
			echo "    - $(lutf_yaml_quote "$option")"
		done
	fi
	echo "  agents:"
	for ((slot = 0; slot < ${#lutf_agent_name[@]}; slot++)); do
		echo "    - name: ${lutf_agent_name[slot]}"
		echo "      host: ${lutf_agent_host[slot]}"
		echo "      roles:"
		# shellcheck disable=SC2086 # blank-separated lists of validated words
		lutf_yaml_block_list "        " ${lutf_agent_roles[slot]}
		if [[ -n ${lutf_agent_aliases[slot]} ]]; then
			echo "      aliases:"
			# shellcheck disable=SC2086
			lutf_yaml_block_list "        " ${lutf_agent_aliases[slot]}
		fi
	done
}

# One line per agent for the suite log: "mds1=node1 (MDS MGS; also mgs client1)".
lutf_describe_agents() {
	local slot line=""
	for ((slot = 0; slot < ${#lutf_agent_name[@]}; slot++)); do
		line+="${line:+, }${lutf_agent_name[slot]}=${lutf_agent_host[slot]} (${lutf_agent_roles[slot]}"
		if [[ -n ${lutf_agent_aliases[slot]} ]]; then
			line+="; also ${lutf_agent_aliases[slot]}"
		fi
		line+=")"
	done
	echo "$line"
}

# ---------------------------------------------------------------------------------------------
# The lutf command line
# ---------------------------------------------------------------------------------------------

# The suites given as "--suite X" (or "-S X") right after our suite's name on the command line of
# the auster that runs us, as given (comma-separated); status 1 when there is none. auster rewrites every
# --suite to -S before it parses its suite list, so this is the only way they can reach us.
lutf_auster_suite_option() {
	local pid=$$ ppid stat args=() i found=""
	while ((pid > 1)); do
		# The parent is the second field after "(comm)", which may itself hold blanks.
		stat=$(<"/proc/$pid/stat") 2>/dev/null || return 1
		stat=${stat##*) }
		ppid=${stat#* }
		ppid=${ppid%% *}
		mapfile -d '' -t args <"/proc/$ppid/cmdline" 2>/dev/null || return 1
		for ((i = 0; i < ${#args[@]}; i++)); do
			if [[ ${args[i]##*/} == auster ]]; then
				for ((i = i + 1; i < ${#args[@]}; i++)); do
					if [[ ${args[i]} == "${TESTSUITE:-lutf}" ]]; then
						for ((i = i + 1; i + 1 < ${#args[@]}; i += 2)); do
							case ${args[i]} in
							--suite | -S) found+="${found:+,}${args[i + 1]}" ;;
							--only | --except | --pattern | --start-at | --stop-at | --stop-on-error | --time-limit) ;;
							*) break ;;
							esac
						done
						[[ -n $found ]] && echo "$found"
						[[ -n $found ]]
						return
					fi
				done
				return 1
			fi
		done
		pid=$ppid
	done
	return 1
}

lutf_launch_args=()
lutf_run_args=()

lutf_build_command() {
	local except given extra=() words=()
	lutf_launch_args=(launch --cluster "$lutf_cluster_file")
	if [[ ${LUTF_PUSH:-} == yes ]]; then
		lutf_launch_args+=(--push)
	fi

	lutf_run_args=(
		--results "${LUTF_RESULTS:-$LOGDIR/lutf}"
		--auster-yaml "$YAML_LOG"
		--auster-log-prefix "$TESTLOG_PREFIX"
		--auster-host "$lutf_short_host"
		--tf-skip "$lutf_skip_file"
		--lenient
	)
	# Selection, as auster hands it over (names separated by blanks, commas already replaced).
	if [[ -z ${SUITE:-} ]] && $lutf_under_auster && given=$(lutf_auster_suite_option); then
		SUITE=${given//,/ }
		lutf_warn "auster turned '--suite $given' into '-S $given' and passes it on to no suite:" \
			"running LUTF suite(s) $SUITE as asked (auster then looks for suites named '-S' and" \
			"'$given' and fails to find them; write --only $given, or SUITE=$given auster ..., instead)"
	fi
	if [[ -n ${SUITE:-} ]]; then lutf_run_args+=(--suite "$SUITE"); fi
	if [[ -n ${ONLY:-} ]]; then lutf_run_args+=(--only "$ONLY"); fi
	read -r -a words <<<"${EXCEPT:-} ${LUTF_EXCEPT:-}"
	except="${words[*]}"
	if [[ -n $except ]]; then lutf_run_args+=(--except "$except"); fi
	if [[ -n ${PATTERN:-} ]]; then lutf_run_args+=(--pattern "$PATTERN"); fi
	# Like a bash suite: stop at the first failure unless told otherwise (auster -k).
	if [[ ${LUTF_FAIL_ON_ERROR:-${FAIL_ON_ERROR:-false}} == true ]]; then
		lutf_run_args+=(--fail-fast)
	fi
	if [[ -n ${LUTF_RUN_OPTIONS:-} ]]; then
		read -r -a extra <<<"$LUTF_RUN_OPTIONS"
		lutf_run_args+=("${extra[@]}")
	fi
	lutf_run_args+=("${lutf_args[@]}")
}

lutf_cleanup() {
	if [[ -n ${lutf_tmp:-} && ${LUTF_KEEP_TMP:-} != yes ]]; then
		rm -rf "$lutf_tmp"
	fi
}

# =============================================================================================
# 1. Lustre's test environment and configuration
# =============================================================================================

if lutf_lustre=$(lutf_find_lustre); then
	lutf_mode=framework
	export LUSTRE=$lutf_lustre
	. "$LUSTRE/tests/test-framework.sh"
	# No arguments: init_test_env's own option parsing would reject ours (and exit).
	init_test_env
	. "${CONFIG:=$LUSTRE/tests/cfg/$NAME.sh}"
	# Under auster YAML_LOG is inherited and this does nothing; by hand it writes the header
	# (and the node.*.yml files) into $LOGDIR/results.yml if that file is new.
	init_logging
	lutf_short_host=$(hostname -s)
else
	if [[ ${LUTF_REQUIRE_FRAMEWORK:-} == yes ]]; then
		lutf_warn "no Lustre test tree (tests/test-framework.sh) under \$LUSTRE, $lutf_dir/.., /usr/lib64/lustre or /usr/lib/lustre"
		exit 2
	fi
	lutf_mode=environment
	lutf_short_host=$(hostname -s 2>/dev/null || hostname)
	lutf_short_host=${lutf_short_host%%.*}
	TESTSUITE=$(basename "$0")
	TESTSUITE=${TESTSUITE%.sh}
	LOGDIR=${LOGDIR:-${TMP:-/tmp}/test_logs/$(date +%s)}
	TESTLOG_PREFIX=$LOGDIR/$TESTSUITE
	YAML_LOG=${YAML_LOG:-$LOGDIR/results.yml}
	export LOGDIR YAML_LOG
fi

# =============================================================================================
# 2. The cluster and the command
# =============================================================================================

if [[ $lutf_mode == framework ]]; then
	lutf_facets_from_framework || exit 2
else
	lutf_facets_from_environment || exit 2
fi
if ((${#lutf_agent_name[@]} == 0)); then
	lutf_warn "no hosts: the configuration names no facets (mds_HOST, ost_HOST, CLIENTS, ...)"
	exit 2
fi
lutf_export_facets

if ! LUTF=$(lutf_find_binary) || [[ ! -x $LUTF ]]; then
	lutf_warn "no lutf binary${LUTF:+ at $LUTF} (set LUTF, install it as $lutf_dir/lutf/bin/lutf or on PATH)"
	exit 2
fi

if [[ ${LUTF_DRY_RUN:-} == yes ]]; then
	lutf_cluster_file="<cluster file>"
	lutf_skip_file=${TF_SKIP:-<skip marker>}
	lutf_build_command
	lutf_say "mode: $lutf_mode; under auster: $lutf_under_auster; agents: $(lutf_describe_agents)"
	lutf_cluster_yaml
	printf 'lutf.sh: would run:'
	printf ' %q' "$LUTF" "${lutf_launch_args[@]}" -- "${lutf_run_args[@]}"
	printf '\n'
	exit 0
fi

lutf_tmp=$(mktemp -d "${TMP:-/tmp}/lutf.XXXXXX")
if declare -F stack_trap >/dev/null; then
	stack_trap lutf_cleanup EXIT # keeps test-framework's own EXIT actions
else
	trap lutf_cleanup EXIT
fi
lutf_cluster_file=$lutf_tmp/cluster.yaml
lutf_errors=$lutf_tmp/stderr
lutf_cluster_yaml >"$lutf_cluster_file"

if $lutf_under_auster; then
	lutf_skip_file=$TF_SKIP
else
	# By hand: a marker of our own, read back below the way auster reads /tmp/tf.skip.
	mkdir -p "$LOGDIR"
	lutf_skip_file=$lutf_tmp/tf.skip
	: >"$lutf_skip_file"
	exec > >(tee "$LOGDIR/$TESTSUITE.suite_log.$lutf_short_host.log") 2>&1
	if [[ ! -f $YAML_LOG ]]; then
		lutf_yaml_header >>"$YAML_LOG"
	fi
	lutf_yaml_suite_open "$TESTSUITE" >>"$YAML_LOG"
fi
lutf_build_command

# =============================================================================================
# 3. Lustre out of the way (real LNet only), the run, Lustre back
# =============================================================================================

lutf_restore_lustre=false
if [[ $lutf_mode == framework && ${LUTF_LNET:-system} != simulated && ${LUTF_KEEP_LUSTRE:-} != yes ]]; then
	if is_mounted "$MOUNT" || is_mounted "$MOUNT2"; then
		lutf_say "Lustre is mounted; unmounting it for the run (LUTF reconfigures LNet)"
		cleanupall || error "cannot clean up Lustre before running LUTF"
		lutf_restore_lustre=true
	fi
fi

lutf_say "agents: $(lutf_describe_agents)"
lutf_say "running: $LUTF ${lutf_launch_args[*]} -- ${lutf_run_args[*]}"
lutf_started=$SECONDS
lutf_rc=2
# stdout goes straight through; stderr goes through too and is also kept, for its last line.
{
	"$LUTF" "${lutf_launch_args[@]}" -- "${lutf_run_args[@]}" 2>&1 1>&3 3>&- | tee "$lutf_errors" >&2
	lutf_rc=${PIPESTATUS[0]}
} 3>&1
lutf_elapsed=$((SECONDS - lutf_started))
lutf_say "lutf exited with status $lutf_rc after ${lutf_elapsed}s"

# A run that could not start leaves a visible reason in Maloo, as check_and_setup_lustre does.
if ((lutf_rc == 2)); then
	lutf_reason=$(grep -v '^[[:space:]]*$' "$lutf_errors" | tail -n 1)
	lutf_yaml_subtest test_setup FAIL "$lutf_elapsed" 2 \
		"${lutf_reason:-lutf could not set up the run (exit status 2)}" >>"$YAML_LOG"
fi

if $lutf_restore_lustre; then
	setupall || error "cannot set Lustre up again after running LUTF"
fi

if ! $lutf_under_auster; then
	# auster's rule: a non-zero exit fails the suite; else a marker nobody removed means every
	# test skipped (or none ran); else it passed.
	if ((lutf_rc != 0)); then
		lutf_status=FAIL
	elif [[ -f $lutf_skip_file ]]; then
		lutf_status=SKIP
	else
		lutf_status=PASS
	fi
	lutf_yaml_suite_close "$SECONDS" "$lutf_status" >>"$YAML_LOG"
fi

if [[ $lutf_mode == framework ]]; then
	complete_test $SECONDS
fi
exit "$lutf_rc"
