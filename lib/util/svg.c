/* svg.c - line and stacked bar charts as SVG text (see svg.h).  The
 * layout is fixed: a title row, the plot with a y axis of "nice" ticks
 * (1, 2 or 5 times a power of ten) and x labels thinned so they do not
 * overlap, and a legend row below. */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg.h"

#define DEF_W	560
#define DEF_H	260
#define TOP	28		/* title row */
#define LEFT	56		/* y tick labels */
#define RIGHT	24
#define BOTTOM	44		/* x labels, legend */

static const char *const colours[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
};

const char *
ipp_svg_colour(size_t i)
{
	return (colours[i % (sizeof(colours) / sizeof(colours[0]))]);
}

void
ipp_svg_escape(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			(void) fputs("&amp;", fp);
			break;
		case '<':
			(void) fputs("&lt;", fp);
			break;
		case '>':
			(void) fputs("&gt;", fp);
			break;
		case '"':
			(void) fputs("&quot;", fp);
			break;
		case '\'':
			(void) fputs("&#39;", fp);
			break;
		default:
			/* control characters have no place in a label */
			(void) fputc((unsigned char) *s < 0x20 ? ' ' : *s, fp);
		}
	}
}

struct frame {
	int	w, h;			/* whole chart */
	double	x0, y0, pw, ph;		/* plot area: left, top, width, height */
	double	ymax, step;
};

/* A tick step of 1, 2 or 5 times a power of ten giving at most 5 ticks. */
static double
nice_step(double max)
{
	double	p, f;

	if (!(max > 0))
		return (1);
	p = pow(10, floor(log10(max / 5)));
	f = max / 5 / p;
	return (p * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10));
}

static void
fmt_num(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1e6 && fmod(v, 1e5) == 0)
		(void) snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e4 && fmod(v, 1e3) == 0)
		(void) snprintf(buf, len, "%gk", v / 1e3);
	else
		(void) snprintf(buf, len, "%g", v);
}

static double
xpos(const struct frame *f, size_t nx, size_t i, int bars)
{
	if (bars)
		return (f->x0 + f->pw * ((double) i + 0.5) / (double) (nx ? nx : 1));
	return (f->x0 + (nx > 1 ? f->pw * (double) i / (double) (nx - 1) : f->pw / 2));
}

static double
ypos(const struct frame *f, double v)
{
	return (f->y0 + f->ph - f->ph * v / f->ymax);
}

/* The frame, the title, the axes with ticks and labels, the legend. */
static void
begin(FILE *fp, const struct ipp_svg_chart *c, double max, int bars, struct frame *f)
{
	char	num[32];
	double	t;
	size_t	i, every, nlab;
	int	lx;

	f->w = c->width > 0 ? c->width : DEF_W;
	f->h = c->height > 0 ? c->height : DEF_H;
	f->x0 = LEFT;
	f->y0 = TOP;
	f->pw = f->w - LEFT - RIGHT;
	f->ph = f->h - TOP - BOTTOM;
	f->step = nice_step(max);
	f->ymax = f->step * ceil((max > 0 ? max : 1) / f->step);
	(void) fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
	    " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n",
	    f->w, f->h, f->w, f->h);
	(void) fputs("<title>", fp);
	ipp_svg_escape(fp, c->title);
	(void) fputs("</title>\n", fp);
	(void) fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", f->w, f->h);
	(void) fprintf(fp, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">",
	    LEFT);
	ipp_svg_escape(fp, c->title);
	(void) fputs("</text>\n", fp);
	if (c->ylabel) {
		(void) fprintf(fp, "<text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\""
		    " text-anchor=\"middle\" fill=\"#555\">", f->y0 + f->ph / 2, f->y0 + f->ph / 2);
		ipp_svg_escape(fp, c->ylabel);
		(void) fputs("</text>\n", fp);
	}
	/* horizontal grid and y ticks */
	for (t = 0; t <= f->ymax + f->step / 2; t += f->step) {
		fmt_num(t, num, sizeof(num));
		(void) fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
		    f->x0, ypos(f, t), f->x0 + f->pw, ypos(f, t), t == 0 ? "#444" : "#e4e4e4");
		(void) fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%s</text>\n",
		    f->x0 - 5, ypos(f, t) + 4, num);
	}
	(void) fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
	    f->x0, f->y0, f->x0, f->y0 + f->ph);
	/* x labels: at most one per 44 pixels */
	nlab = (size_t) (f->pw / 44);
	every = nlab && c->nx > nlab ? (c->nx + nlab - 1) / nlab : 1;
	for (i = 0; c->xlabels && i < c->nx; i += every) {
		(void) fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">",
		    xpos(f, c->nx, i, bars), f->y0 + f->ph + 14);
		ipp_svg_escape(fp, c->xlabels[i]);
		(void) fputs("</text>\n", fp);
	}
	/* legend: one row; a long one is cut by the chart's edge, not wrapped */
	for (i = 0, lx = LEFT; i < c->ns; i++) {
		int	y = f->h - 10;

		(void) fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"%d\" fill=\"%s\"/>",
		    lx, y - 8, c->s[i].dashed ? 3 : 9, ipp_svg_colour(i));
		(void) fprintf(fp, "<text x=\"%d\" y=\"%d\" fill=\"#222\">", lx + 16, y);
		ipp_svg_escape(fp, c->s[i].name);
		(void) fputs("</text>\n", fp);
		lx += 16 + 7 * (int) strlen(c->s[i].name ? c->s[i].name : "") + 14;
	}
}

void
ipp_svg_line(FILE *fp, const struct ipp_svg_chart *c)
{
	struct frame f;
	double	max = 0;
	size_t	i, k;
	int	pen;

	for (k = 0; k < c->ns; k++)
		for (i = 0; i < c->nx; i++)
			if (!isnan(c->s[k].v[i]) && c->s[k].v[i] > max)
				max = c->s[k].v[i];
	begin(fp, c, max, 0, &f);
	for (k = 0; k < c->ns; k++) {
		(void) fprintf(fp, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"",
		    ipp_svg_colour(k), c->s[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
		/* a missing value breaks the line */
		for (i = 0, pen = 0; i < c->nx; i++) {
			if (isnan(c->s[k].v[i])) {
				pen = 0;
				continue;
			}
			(void) fprintf(fp, "%s%.1f %.1f ", pen ? "L" : "M", xpos(&f, c->nx, i, 0),
			    ypos(&f, c->s[k].v[i]));
			pen = 1;
		}
		(void) fputs("\"/>\n", fp);
		/* dots, so that a single day shows too */
		for (i = 0; i < c->nx && c->nx <= 62; i++)
			if (!isnan(c->s[k].v[i]))
				(void) fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
				    xpos(&f, c->nx, i, 0), ypos(&f, c->s[k].v[i]), ipp_svg_colour(k));
	}
	(void) fputs("</svg>\n", fp);
}

void
ipp_svg_bars(FILE *fp, const struct ipp_svg_chart *c)
{
	struct frame f;
	double	max = 0, sum, bw, y, v;
	size_t	i, k;

	for (i = 0; i < c->nx; i++) {
		for (k = 0, sum = 0; k < c->ns; k++)
			if (!isnan(c->s[k].v[i]) && c->s[k].v[i] > 0)
				sum += c->s[k].v[i];
		if (sum > max)
			max = sum;
	}
	begin(fp, c, max, 1, &f);
	bw = f.pw / (double) (c->nx ? c->nx : 1) * 0.7;
	for (i = 0; i < c->nx; i++) {
		for (k = 0, y = 0; k < c->ns; k++) {
			v = c->s[k].v[i];
			if (isnan(v) || v <= 0)
				continue;
			(void) fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
			    " fill=\"%s\"/>\n", xpos(&f, c->nx, i, 1) - bw / 2, ypos(&f, y + v), bw,
			    ypos(&f, y) - ypos(&f, y + v), ipp_svg_colour(k));
			y += v;
		}
	}
	(void) fputs("</svg>\n", fp);
}

void
ipp_svg_begin(FILE *fp, int width, int height)
{
	(void) fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
	    " viewBox=\"0 0 %d %d\">\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
	    width, height, width, height, width, height);
}

void
ipp_svg_at(FILE *fp, int y)
{
	(void) fprintf(fp, "<g transform=\"translate(0 %d)\">\n", y);
}

void
ipp_svg_end_at(FILE *fp)
{
	(void) fputs("</g>\n", fp);
}

void
ipp_svg_end(FILE *fp)
{
	(void) fputs("</svg>\n", fp);
}
