package form

// How the reader decides the finer cases that docs/form.md summarizes or
// leaves out. Each choice is tested.
//
//   - Speed: the package is read with archive/zip and a small XML scanner
//     (package pipeline/xlsx), not excelize: excelize's row iterator, built on
//     encoding/xml, took about 11 ms for a 200-row form, this reader about
//     2.5 ms (BenchmarkReadForm). excelize still writes the template.
//   - Damage: every part the reader needs is decompressed in full and
//     checked against its declared size and checksum; parts it does not need
//     (theme, document properties) are not read, so their damage is not
//     reported. A part that inflates past its declared size is damage
//     (not_xlsx), found after at most declared+1 bytes; a buffer is never
//     larger than the part's compressed bytes can inflate to. Two parts
//     under one name (which one would Excel show?), a DOCTYPE (OOXML forbids
//     DTDs; no entity is ever expanded), XML that is cut off or malformed,
//     and a sheet part whose root is not <worksheet> are damage too: reading
//     the rows before the fault as if they were the sheet would lose rows
//     silently. Well-formed but unknown elements, however deeply nested,
//     are skipped.
//   - A read that stops on a file-level problem (a limit, damage) keeps
//     only the file-level issues: the rows and row issues before the stop
//     are an arbitrary part of the file.
//   - Text is valid UTF-8 holding only what XML 1.0 allows: bytes that are
//     not UTF-8 become U+FFFD, control characters other than tab and line
//     breaks are dropped (DuckDB refuses invalid UTF-8, which would fail the
//     whole batch for one cell).
//   - Dates outside 2000–2099 are refused (bad_date, bad_period): they are a
//     serial read as a date or a mistyped year. A number in a date column
//     counts as a date when its cell has a date format (the time of day is
//     dropped), or when it is a 5-digit serial or an 8-digit YYYYMMDD
//     whatever its format; 2021.35 in a General cell is not a date. An ISO
//     date-time with a zone (t="d") is taken in Options.Location.
//   - A text period may also be a whole date (2021-03-01 → 2021-03); a
//     number cell without date format may be YYYYMM (202103) or a 5-digit
//     serial.
//   - 单位名称 on the cover is required: empty or absent rejects the file
//     (missing_value, severity file). Other optional cover fields warn when
//     empty or absent (missing_value, Cell "" when the label is absent),
//     except 模板版本, whose absence is normal. A value cell that holds
//     another label counts as empty. A merged label has its value right of
//     the merge. 单位类型 accepts 行政村 for 村 and 居委会 for 社区.
//   - Sheets: when several sheets match a known name, the plain name wins
//     over a bracketed one (点单台账（3月）), which wins over a suffixed one
//     (点单台账3月); then workbook order. A missing column has Cell "".
//   - Headers and labels are compared without spaces, quotes, asterisks, a
//     trailing colon or a trailing bracketed note (单号（必填）), full-width
//     forms folded. The first column that names a field wins.
//   - A row that is empty in every known column is skipped even if an
//     unknown column (a pre-numbered 序号) holds something; it is not
//     counted in Rows.
//   - Duplicate request ids: the first row with the id, accepted or not,
//     owns it; every later row is rejected (so fixing the first row does not
//     make a later copy count).
//   - 办结日期 invalid: a row rejection when the request is 已办结, a
//     warning otherwise. Resolved before requested: ResolvedOn is dropped
//     and the state stays 已办结 (docs/metrics.md counts such a request as
//     resolved, and leaves it out of ontime_rate and days_to_resolve_median,
//     which need both dates). A 办结日期 on an unresolved request is kept.
//   - 未评价 on an unresolved request is no rating and raises no warning.
//     A mediation result on a row whose 是否矛盾纠纷 is empty or invalid is
//     a mediation_not_dispute warning, like a 否.
//   - An organization (by 党组织名称) takes its way of forming from its
//     first row, as docs/form.md says, even when that row leaves it empty (the
//     organization is then in neither count); a later row stating another
//     way is a formation_conflict warning (a later empty one is not); every
//     row of the organization then carries the organization's way. A yes
//     row without a name keeps no way of forming.
//   - Cross-field warnings (dispatched/resolved before requested, rating,
//     mediation, out-of-period meetings) are checked on rows that are not
//     rejected.
//   - Issue.Value and Message never show 点单人 or the request's 联系电话:
//     issues on those columns have Value "".
//   - A panic inside the reader (a bug) becomes a not_xlsx file issue; the
//     fuzz tests look for that message.
//   - The park form: a workbook with the park definitions' 企业名册 (found
//     like any sheet) is read with Definitions.Park, any other with the
//     village definitions; Form.Kind says which ("" when the workbook
//     could not be opened). How its rules are decided (credit codes, the
//     same enterprise, 组建方式, visit counts) is in docs/definitions.md,
//     "The park form".
