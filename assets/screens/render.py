#!/usr/bin/env python3
"""Turns tmux captures with colours (`tmux capture-pane -e`) into pictures.

    render.py svg FILE.ansi OUT.svg           one screen as an SVG picture
    render.py cast OUT.cast OUT.svg FRAMES... an asciinema v2 recording of the frames and the
                                              same frames as an animated SVG

A frame file is `SECONDS NAME.ansi` per argument (`1.5:edit-1.ansi`): how long it stays on
screen. Standard library only; the PNGs are screenshots of these SVGs by headless Chromium
(see capture.sh).
"""

import html
import json
import re
import sys

COLS, ROWS = 120, 32
CELL_W, CELL_H, FONT = 8.4, 17.0, 14
PAD = 10
DEFAULT_FG, DEFAULT_BG = "#d0d0d0", "#1c1c1c"
BASIC = [
    "#1c1c1c", "#d75f5f", "#87af5f", "#d7af5f", "#5f87af", "#af87af", "#5fafaf", "#d0d0d0",
    "#767676", "#ff8787", "#afd787", "#ffd787", "#87afd7", "#d7afd7", "#87d7d7", "#ffffff",
]
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def xterm256(n):
    """The colour of xterm palette entry `n`."""
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    grey = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (grey, grey, grey)


def extended(codes, i):
    """Colour of `38;5;N` / `38;2;R;G;B` starting at codes[i] (the 5 or 2); next index."""
    if i < len(codes) and codes[i] == 5 and i + 1 < len(codes):
        return xterm256(codes[i + 1]), i + 2
    if i < len(codes) and codes[i] == 2 and i + 3 < len(codes):
        return "#%02x%02x%02x" % tuple(codes[i + 1:i + 4]), i + 4
    return None, len(codes)


def apply_sgr(style, params):
    """The style after one SGR sequence."""
    codes = [int(p) if p else 0 for p in re.split("[;:]", params)] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        i += 1
        if c == 0:
            style = {}
        elif c == 1:
            style["bold"] = True
        elif c == 2:
            style["dim"] = True
        elif c == 3:
            style["italic"] = True
        elif c == 4:
            style["underline"] = True
        elif c == 7:
            style["reverse"] = True
        elif c == 22:
            style.pop("bold", None)
            style.pop("dim", None)
        elif c == 23:
            style.pop("italic", None)
        elif c == 24:
            style.pop("underline", None)
        elif c == 27:
            style.pop("reverse", None)
        elif 30 <= c <= 37 or 90 <= c <= 97:
            style["fg"] = BASIC[c - 30 if c < 90 else c - 82]
        elif 40 <= c <= 47 or 100 <= c <= 107:
            style["bg"] = BASIC[c - 40 if c < 100 else c - 92]
        elif c in (38, 48):
            colour, i = extended(codes, i)
            if colour:
                style["fg" if c == 38 else "bg"] = colour
        elif c == 39:
            style.pop("fg", None)
        elif c == 49:
            style.pop("bg", None)
    return dict(style)


def parse(text):
    """Rows of (text, style) runs, styles carried across lines as tmux emits them."""
    rows, style = [], {}
    for line in text.split("\n")[:ROWS]:
        runs, pos = [], 0
        for m in SGR.finditer(line):
            if m.start() > pos:
                runs.append((line[pos:m.start()], dict(style)))
            style = apply_sgr(style, m.group(1))
            pos = m.end()
        if pos < len(line):
            runs.append((line[pos:], dict(style)))
        rows.append(runs)
    return rows


def colours(style):
    fg, bg = style.get("fg", DEFAULT_FG), style.get("bg")
    if style.get("reverse"):
        fg, bg = bg or DEFAULT_BG, fg
    return fg, bg


def screen_svg(text):
    """The SVG elements of one screen (no outer <svg>)."""
    out = []
    for y, runs in enumerate(parse(text)):
        x = 0
        base = PAD + y * CELL_H
        for chunk, style in runs:
            width = len(chunk)
            if not width:
                continue
            fg, bg = colours(style)
            left = PAD + x * CELL_W
            if bg:
                out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                           % (left, base, width * CELL_W, CELL_H, bg))
            if chunk.strip():
                attrs = ['x="%.1f"' % left, 'y="%.1f"' % (base + CELL_H * 0.78),
                         'fill="%s"' % fg, 'textLength="%.1f"' % (width * CELL_W),
                         'lengthAdjust="spacingAndGlyphs"']
                if style.get("bold"):
                    attrs.append('font-weight="bold"')
                if style.get("dim"):
                    attrs.append('opacity="0.6"')
                if style.get("italic"):
                    attrs.append('font-style="italic"')
                if style.get("underline"):
                    attrs.append('text-decoration="underline"')
                out.append("<text %s>%s</text>" % (" ".join(attrs), html.escape(chunk)))
            x += width
    return "\n".join(out)


def document(body, extra_style=""):
    w, h = COLS * CELL_W + 2 * PAD, ROWS * CELL_H + 2 * PAD
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">\n'
        "<style>text{font-family:'DejaVu Sans Mono','Menlo','Consolas',monospace;"
        "font-size:%dpx;white-space:pre}%s</style>\n"
        '<rect width="100%%" height="100%%" rx="6" fill="%s"/>\n%s\n</svg>\n'
        % (w, h, w, h, FONT, extra_style, DEFAULT_BG, body)
    )


def frames(args):
    """(seconds, ansi text) per `SECONDS:FILE` argument."""
    out = []
    for arg in args:
        seconds, path = arg.split(":", 1)
        with open(path, encoding="utf-8") as f:
            out.append((float(seconds), f.read()))
    return out


def write_cast(path, shown):
    header = {"version": 2, "width": COLS, "height": ROWS,
              "env": {"TERM": "xterm-256color", "SHELL": "/bin/bash"},
              "title": "kubectl kubeflow demo: edit a quota, preview, apply"}
    t = 0.0
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(header) + "\n")
        for seconds, text in shown:
            screen = "\x1b[H\x1b[2J" + "\r\n".join(text.split("\n")[:ROWS]) + "\x1b[0m"
            f.write(json.dumps([round(t, 3), "o", screen]) + "\n")
            t += seconds


def write_animated(path, shown):
    total = sum(s for s, _ in shown)
    groups, styles, start = [], [], 0.0
    for i, (seconds, text) in enumerate(shown):
        a, b = 100 * start / total, 100 * (start + seconds) / total
        styles.append("@keyframes f%d{0%%,%.3f%%{visibility:hidden}%.3f%%,%.3f%%{visibility:visible}"
                      "%.3f%%,100%%{visibility:hidden}}#f%d{visibility:hidden;"
                      "animation:f%d %.2fs step-end infinite}"
                      % (i, max(a - 0.001, 0), a, b - 0.001, b, i, i, total))
        groups.append('<g id="f%d">\n<rect width="100%%" height="100%%" rx="6" fill="%s"/>\n%s\n</g>'
                      % (i, DEFAULT_BG, screen_svg(text)))
        start += seconds
    with open(path, "w", encoding="utf-8") as f:
        f.write(document("\n".join(groups), "".join(styles)))


def main(argv):
    if len(argv) == 4 and argv[1] == "svg":
        with open(argv[2], encoding="utf-8") as f:
            text = f.read()
        with open(argv[3], "w", encoding="utf-8") as f:
            f.write(document(screen_svg(text)))
    elif len(argv) >= 5 and argv[1] == "cast":
        shown = frames(argv[4:])
        write_cast(argv[2], shown)
        write_animated(argv[3], shown)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
