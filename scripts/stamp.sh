# shellcheck shell=bash
# Content stamps, sourced by the scripts that cache what they make: a stamp is a file beside the
# thing made that holds what made it (a hash of its inputs, or the list of them), so a script
# skips the work when its inputs are unchanged and redoes it when any changed. A stamp is written
# last, once the thing is whole, so an interrupted make is made again.
#   stamp_fresh STAMP WANT   whether STAMP holds WANT: the thing beside it is current
#   stamp_write STAMP WANT   records WANT in STAMP
#   stamp_hash [FILE...]     the sha256 of the files' contents (of stdin when none is named)
#   stamp_key [FILE...]      its first 12 digits: the KEY of a cached folder NAME-KEY
#   stamp_keep PART KEPT N   the folder PART, filled, becomes the cached folder KEPT (NAME-KEY);
#                            of KEPT's siblings NAME-*, all but the N made or copied last go

stamp_fresh() { [[ -f $1 && $(<"$1") == "$2" ]]; }

stamp_write() { printf '%s\n' "$2" >"$1"; }

stamp_hash() { cat "$@" | sha256sum | cut -d' ' -f1; }

stamp_key() { stamp_hash "$@" | cut -c1-12; }

stamp_keep() {
  local part=$1 kept=$2 keep=$3 base
  touch "$part/.made"
  # Another clone may have kept the same KEY meanwhile: the same files, so either stays.
  mv -T "$part" "$kept" 2>/dev/null || rm -rf "$part"
  base=$(basename "${kept%-*}")
  # shellcheck disable=SC2012 # names made by stamp_keep: NAME-KEY, no spaces
  ls -t "${kept%/*}/$base"-*/.made | grep -E "/$base-[0-9a-f]{12}/\.made\$" | tail -n +$((keep + 1)) |
    while read -r made; do rm -rf "${made%/.made}"; done
}
