"""Quality measurement of the detection core, kept out of `detector/`.

FNC-1 stance pairs (`fnc1`), PolNeAR attributions (`polnear`), folders shaped
like ../shared/acceptance (`acceptance`) and labelled real-news sets scored
as ../shared/tools/score_news.py does (`news`). These modules import the
core; the core never imports them.
"""
