"""Export: the filtered events as data, the charts and the map as images or HTML, and the briefing pack."""

import streamlit as st

from dashboard.app import sidebar, ui
from dashboard.exports import briefing, datafiles, images
from dashboard.views import params

view = sidebar.current_view()
registries = view.data.registries
st.title("Export")
ui.show_caption(view)
with ui.beside_detail(view):
    st.write("Every file carries this caption and the time it was made; file names say what they hold.")

    st.subheader("Data")
    st.caption("CSV and JSON can be loaded again (`--data FILE`); GeoJSON and KML open in GIS tools and Google Earth.")
    row = st.container(horizontal=True)  # buttons wrap onto a second line on a narrow screen
    for fmt in datafiles.DATA_FORMATS:
        row.download_button(
            fmt.upper() if fmt != "geojson" else "GeoJSON",
            data=lambda fmt=fmt: b"".join(datafiles.selection_export(fmt, view.selection, ui.export_context(view))),
            file_name=datafiles.file_name("events", view.selection.date_bounds, view.filters, fmt),
            mime=ui.MIME[fmt],
            key=f"download_events_{fmt}",
            on_click="ignore",
            width="content",
        )
    csv_name = datafiles.file_name("events", view.selection.date_bounds, view.filters, "csv")
    row.download_button(
        "About the CSV (JSON)",
        data=lambda: datafiles.csv_description(ui.export_context(view), view.selection.count, csv_name),
        file_name=csv_name + ".json",
        mime=ui.MIME["json"],
        key="download_events_csv_description",
        on_click="ignore",
        width="content",
        help="The caption, the data and the time behind the CSV: the CSV itself starts with its header",
    )

    st.subheader("Charts and map")
    for chart, label in (("timeline", "Timeline"), ("counts", "Events per period"), ("map", "Map")):
        st.markdown(f"**{label}**")
        ui.chart_downloads(view, chart)

    st.subheader("Briefing pack")
    title = st.text_input("Title", value="Conflict events briefing", key="pack_title")
    handling = st.text_input(
        "Handling banner",
        value="",
        key="pack_handling",
        placeholder="e.g. UNCLASSIFIED",
        help="Printed at the top and bottom of every slide. Left empty, no banner is printed.",
    )
    judgements = st.text_area(
        "Key judgements (one per line)",
        key="judgements",
        bind="query-params",
        placeholder="e.g. North Korean munitions and troops are now part of Russia's war effort.",
        help="The pack's bottom-line slide lists them with the events and the period behind them. They are kept in"
        " the page's address, so `python -m dashboard export --query ADDRESS` puts them in a scheduled pack.",
    )
    st.caption(
        "16:9 slides: title (with the filters, the data's as-of date and the banner), the bottom line (your key"
        " judgements with the events and period behind them), timeline, map with rings, key events with their"
        " numbered sources (summaries in the speaker notes), sources, and what confidence and precision mean."
    )
    browser = images.find_browser()
    if browser is None:
        st.warning(images.INSTALL_HINT)

    pptx_column, pdf_column, _ = st.columns([1, 1, 3])
    for column, fmt in ((pptx_column, "pptx"), (pdf_column, "pdf")):
        column.download_button(
            f"Briefing pack ({fmt.upper()})",
            data=lambda fmt=fmt: briefing.briefing_file(
                fmt,
                view.selection,
                ui.export_context(view, handling),
                view.rings,
                view.band,
                title,
                params.judgement_lines([judgements or ""]),
            ),
            file_name=datafiles.file_name("briefing", view.selection.date_bounds, view.filters, fmt),
            mime=ui.MIME[fmt],
            key=f"download_pack_{fmt}",
            on_click="ignore",
            type="primary",
            disabled=browser is None or view.empty,
        )
    if view.empty:
        st.info(ui.EMPTY_MESSAGE)
