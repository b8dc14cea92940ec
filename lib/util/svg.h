/* svg.h - charts as inline SVG, for pages that must show without any
 * network fetch ("ippoolctl report --html", "warmup simulate --svg"):
 * line charts and stacked bar charts with axes, tick labels, a title and
 * a legend, in fixed colours and the browser's default sans-serif font.
 * Every text is escaped; the same escaping serves the HTML around them. */
#ifndef IPP_SVG_H
#define IPP_SVG_H

#include <stddef.h>
#include <stdio.h>

/* One series: n values, one per x position; NAN where there is none. */
struct ipp_svg_series {
	const char *name;
	const double *v;
	int	dashed;			/* drawn dashed (a plan, a limit) */
};

struct ipp_svg_chart {
	const char *title;
	const char *ylabel;		/* "messages", "% of attempts" */
	const char *const *xlabels;	/* nx labels ("11-23"); thinned to fit */
	size_t	nx;
	const struct ipp_svg_series *s;
	size_t	ns;
	int	width, height;		/* pixels; 0: 560 x 260 */
};

/* Write one chart as an <svg> element (with its xmlns, so it stands
 * alone in a file, in HTML, or nested in another <svg>). */
void	ipp_svg_line(FILE *, const struct ipp_svg_chart *);
void	ipp_svg_bars(FILE *, const struct ipp_svg_chart *);	/* stacked */

/* A standalone SVG file of charts one below the other: begin with the
 * total size, write the charts each at its y with ipp_svg_at, end. */
void	ipp_svg_begin(FILE *, int width, int height);
void	ipp_svg_at(FILE *, int y);
void	ipp_svg_end_at(FILE *);
void	ipp_svg_end(FILE *);

/* TEXT escaped for XML and HTML, both in content and in quoted attributes. */
void	ipp_svg_escape(FILE *, const char *text);

/* The colour of series i (the legend's and the chart's). */
const char *ipp_svg_colour(size_t i);

#endif
