//! An invoice or note as a PDF and as CSV.
//!
//! PDF: typst, linked as a library, lays out `assets/invoice.typ` over the document's data (a
//! JSON file the template reads, so no value is ever parsed as markup) and writes a PDF with
//! subsets of its fonts embedded. Latin text uses the fonts typst-assets compiles into the
//! binary; Chinese text needs a CJK font from the machine (`PB_PDF_FONT_DIRS`; Debian's
//! fonts-wqy-microhei or fonts-noto-cjk), found once and kept. The same document renders to
//! the same bytes.
//!
//! The PDF shows usage per billing group and service (the accounts' lines summed); the CSV has
//! every line, per account.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use entity::invoice_lines::LineKind;
use entity::invoices::{DocumentKind, InvoiceStatus};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::invoices::Invoice;
use super::minor_digits;
use crate::error::{AppError, AppResult};

const TEMPLATE: &str = include_str!("../../../assets/invoice.typ");
/// The most table rows a PDF shows; the CSV has them all.
const MAX_PDF_ROWS: usize = 1_500;
/// PDFs rendered at once in this process (each is CPU-bound for tens of milliseconds).
const CONCURRENT_RENDERS: usize = 2;
/// File names of CJK fonts looked for under the font directories, in order of preference.
const CJK_FONT_FILES: &[&str] = &["wqy-microhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-zenhei.ttc", "NotoSerifCJK-Regular.ttc", "SourceHanSansSC-Regular.otf"];

struct Labels {
    title: [&'static str; 3],
    number: &'static str,
    issue_date: &'static str,
    due_date: &'static str,
    period: &'static str,
    currency: &'static str,
    rate: &'static str,
    tax_id: &'static str,
    bill_to: &'static str,
    refers_to: &'static str,
    reason: &'static str,
    columns: [&'static str; 5],
    subtotal: &'static str,
    tax: &'static str,
    tax_included: &'static str,
    total: &'static str,
    draft: &'static str,
    void: &'static str,
    paid: &'static str,
    omitted: &'static str,
    tax_exclusive_note: &'static str,
    tax_inclusive_note: &'static str,
}

const EN: Labels = Labels {
    title: ["Invoice", "Credit note", "Debit note"],
    number: "Number",
    issue_date: "Issue date",
    due_date: "Due date",
    period: "Billing period",
    currency: "Currency",
    rate: "Exchange rate",
    tax_id: "Tax ID",
    bill_to: "Bill to",
    refers_to: "Refers to invoice",
    reason: "Reason",
    columns: ["Billing group", "Description", "Net", "Tax", "Amount"],
    subtotal: "Subtotal",
    tax: "Tax",
    tax_included: "Tax included",
    total: "Total",
    draft: "DRAFT",
    void: "VOID",
    paid: "Paid on",
    omitted: "more lines are in the CSV of this document",
    tax_exclusive_note: "Tax is added to the net amounts.",
    tax_inclusive_note: "Amounts include tax.",
};

const ZH: Labels = Labels {
    title: ["发票", "贷项通知单", "借项通知单"],
    number: "编号",
    issue_date: "开票日期",
    due_date: "到期日",
    period: "账单周期",
    currency: "币种",
    rate: "汇率",
    tax_id: "税号",
    bill_to: "收票方",
    refers_to: "关联发票",
    reason: "原因",
    columns: ["账单组", "描述", "净额", "税额", "金额"],
    subtotal: "小计",
    tax: "税额",
    tax_included: "含税",
    total: "合计",
    draft: "草稿",
    void: "作废",
    paid: "付款日期",
    omitted: "更多明细见本单据的 CSV 文件",
    tax_exclusive_note: "税额另计。",
    tax_inclusive_note: "金额已含税。",
};

fn labels(language: &str) -> &'static Labels {
    if language == "zh-CN" { &ZH } else { &EN }
}

/// `1234567.8` → `1,234,567.80` in the currency's minor unit.
pub fn format_amount(v: Decimal, currency: &str) -> String {
    let digits = minor_digits(currency);
    let s = super::round_money(v, currency).abs();
    let text = format!("{:.*}", digits as usize, s);
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v.is_sign_negative() && !super::round_money(v, currency).is_zero() { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}

fn kind_index(kind: DocumentKind) -> usize {
    match kind {
        DocumentKind::Invoice => 0,
        DocumentKind::CreditNote => 1,
        DocumentKind::DebitNote => 2,
    }
}

/// The rows the PDF shows: usage summed per billing group and service; other lines as they are.
fn pdf_rows(inv: &Invoice) -> (Vec<Value>, usize) {
    let mut usage: BTreeMap<(String, String), (String, Decimal, Decimal)> = BTreeMap::new();
    let mut rows = Vec::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for l in &inv.lines {
        if l.kind == LineKind::Usage {
            let key = (l.group_name.clone(), l.service_code.clone());
            let e = usage.entry(key.clone()).or_insert_with(|| {
                order.push(key.clone());
                (l.description.clone(), Decimal::ZERO, Decimal::ZERO)
            });
            e.1 += l.amount;
            e.2 += l.tax;
        }
    }
    let row = |group: &str, description: &str, amount: Decimal, tax: Decimal| {
        let net = if inv.tax_inclusive { amount - tax } else { amount };
        json!({
            "group": group,
            "description": description,
            "net": format_amount(net, &inv.currency),
            "tax": format_amount(tax, &inv.currency),
            "gross": format_amount(net + tax, &inv.currency),
        })
    };
    for key in &order {
        if let Some((description, amount, tax)) = usage.get(key) {
            rows.push(row(&key.0, description, *amount, *tax));
        }
    }
    for l in inv.lines.iter().filter(|l| l.kind != LineKind::Usage) {
        let description = if l.account_id.is_empty() { l.description.clone() } else { format!("{} ({})", l.description, l.account_id) };
        rows.push(row(&l.group_name, &description, l.amount, l.tax));
    }
    let omitted = rows.len().saturating_sub(MAX_PDF_ROWS);
    rows.truncate(MAX_PDF_ROWS);
    (rows, omitted)
}

fn address_lines(address: &str) -> Vec<String> {
    address.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The template's data.
fn document_data(inv: &Invoice, fonts: &[String]) -> Value {
    let l = labels(&inv.language);
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
    let mut facts = vec![
        json!({ "label": l.number, "value": inv.number.clone().unwrap_or_else(|| l.draft.to_owned()) }),
        json!({ "label": l.issue_date, "value": date(inv.issue_date) }),
    ];
    if inv.kind == DocumentKind::Invoice {
        facts.push(json!({ "label": l.due_date, "value": date(inv.due_date) }));
    }
    facts.push(json!({ "label": l.period, "value": inv.billing_period }));
    facts.push(json!({ "label": l.currency, "value": inv.currency }));
    if inv.currency != inv.source_currency {
        facts.push(json!({ "label": l.rate, "value": format!("1 {} = {} {}", inv.source_currency, inv.exchange_rate, inv.currency) }));
    }
    if inv.status == InvoiceStatus::Paid {
        facts.push(json!({ "label": l.paid, "value": date(inv.payment_date) }));
    }
    let (rows, omitted) = pdf_rows(inv);
    let watermark = match inv.status {
        InvoiceStatus::Draft => l.draft,
        InvoiceStatus::Void => l.void,
        _ => "",
    };
    let tax_label = if inv.tax_inclusive { format!("{} ({}%)", l.tax_included, inv.tax_rate) } else { format!("{} ({}%)", l.tax, inv.tax_rate) };
    let mut notes = vec![if inv.tax_inclusive { l.tax_inclusive_note } else { l.tax_exclusive_note }.to_owned()];
    if let Some(hash) = &inv.content_hash {
        notes.push(format!("SHA-256 {hash}"));
    }
    json!({
        "lang": if inv.language == "zh-CN" { "zh" } else { "en" },
        "fonts": fonts,
        "title": l.title[kind_index(inv.kind)],
        "number": inv.number.clone().unwrap_or_else(|| l.draft.to_owned()),
        "watermark": watermark,
        "labels": {
            "tax_id": l.tax_id, "bill_to": l.bill_to, "refers_to": l.refers_to, "reason": l.reason,
            "columns": l.columns, "subtotal": l.subtotal, "total": l.total,
        },
        "facts": facts,
        "issuer": { "name": inv.issuer.name, "address_lines": address_lines(&inv.issuer.address), "tax_id": inv.issuer.tax_id },
        "customer": {
            "name": inv.customer.name, "address_lines": address_lines(&inv.customer.address), "tax_id": inv.customer.tax_id,
            "email": inv.customer.email.clone().unwrap_or_default(),
        },
        "reference": inv.reference_number.clone().unwrap_or_default(),
        "reason": inv.reason.clone().unwrap_or_default(),
        "rows": rows,
        "omitted": if omitted > 0 { format!("{omitted} {}", l.omitted) } else { String::new() },
        "subtotal": format_amount(inv.subtotal, &inv.currency),
        "tax_label": tax_label,
        "tax": format_amount(inv.tax, &inv.currency),
        "total": format!("{} {}", format_amount(inv.total, &inv.currency), inv.currency),
        "notes": notes,
    })
}

/// The fonts a PDF may use: typst's own (Latin) and, when the machine has one, a CJK font.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    latin_family: String,
    cjk_family: Option<String>,
}

fn find_cjk_font(dirs: &[PathBuf]) -> Option<PathBuf> {
    let mut found: Vec<(usize, PathBuf)> = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = dirs.iter().map(|d| (d.clone(), 0)).collect();
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && depth < 4 {
                stack.push((path, depth + 1));
            } else if let Some(rank) = path.file_name().and_then(|n| n.to_str()).and_then(|n| CJK_FONT_FILES.iter().position(|f| *f == n)) {
                found.push((rank, path));
            }
        }
    }
    found.sort();
    found.into_iter().next().map(|(_, p)| p)
}

fn load_fonts(dirs: &[PathBuf]) -> Fonts {
    let mut fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    let latin_family = fonts.iter().map(|f| f.info().family.clone()).find(|f| f.starts_with("Libertinus Serif")).unwrap_or_else(|| "Libertinus Serif".to_owned());
    let mut cjk_family = None;
    if let Some(path) = find_cjk_font(dirs) {
        match std::fs::read(&path) {
            Ok(data) => {
                let cjk: Vec<Font> = Font::iter(Bytes::new(data)).collect();
                cjk_family = cjk.first().map(|f| f.info().family.clone());
                tracing::info!(font = %path.display(), family = ?cjk_family, "CJK font for invoices");
                fonts.extend(cjk);
            }
            Err(e) => tracing::warn!(font = %path.display(), error = %e, "CJK font unreadable"),
        }
    } else {
        tracing::warn!(dirs = ?dirs, "no CJK font found; Chinese invoices cannot be rendered (install fonts-wqy-microhei, or set PB_PDF_FONT_DIRS)");
    }
    Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts, latin_family, cjk_family }
}

static FONTS: OnceLock<Arc<Fonts>> = OnceLock::new();
static RENDERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_RENDERS);

fn fonts(dirs: &str) -> Arc<Fonts> {
    FONTS.get_or_init(|| Arc::new(load_fonts(&dirs.split(':').filter(|d| !d.is_empty()).map(PathBuf::from).collect::<Vec<_>>()))).clone()
}

/// The world one document is compiled in: the template, its data, the fonts.
struct DocumentWorld {
    library: LazyHash<Library>,
    fonts: Arc<Fonts>,
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Datetime,
}

fn file_id(path: &str) -> AppResult<FileId> {
    let vpath = VirtualPath::new(path).map_err(|e| AppError::internal(anyhow::anyhow!("virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::NotSource) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(TEMPLATE))
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn render(inv: &Invoice, fonts: Arc<Fonts>) -> AppResult<Vec<u8>> {
    let mut families = vec![fonts.latin_family.clone()];
    if inv.language == "zh-CN" {
        match &fonts.cjk_family {
            Some(f) => families.push(f.clone()),
            None => return Err(AppError::Conflict("this server has no Chinese font to write the document with; its operator installs one (fonts-wqy-microhei) or sets PB_PDF_FONT_DIRS".into())),
        }
    } else if let Some(f) = &fonts.cjk_family {
        // Names in English documents may still be written in Chinese.
        families.push(f.clone());
    }
    let data = serde_json::to_vec(&document_data(inv, &families)).map_err(AppError::internal)?;
    let day = inv.issue_date.unwrap_or_else(|| inv.created_at.date_naive());
    let today = {
        use chrono::Datelike;
        Datetime::from_ymd(day.year(), u8::try_from(day.month()).unwrap_or(1), u8::try_from(day.day()).unwrap_or(1))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("date {day} out of range")))?
    };
    let world = DocumentWorld {
        library: LazyHash::new(Library::builder().build()),
        fonts,
        main: Source::new(file_id("/invoice.typ")?, TEMPLATE.to_owned()),
        data_id: file_id("/data.json")?,
        data: Bytes::new(data),
        today,
    };
    let document: typst_layout::PagedDocument = typst::compile(&world).output.map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        AppError::internal(anyhow::anyhow!("invoice layout failed: {}", messages.join("; ")))
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(inv.id.to_string()),
        timestamp: Some(typst_pdf::Timestamp::new_utc(today)),
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        AppError::internal(anyhow::anyhow!("invoice PDF export failed: {}", messages.join("; ")))
    })
}

/// The document as a PDF, rendered off the async workers, at most two at a time.
pub async fn pdf(inv: &Invoice, font_dirs: &str) -> AppResult<Vec<u8>> {
    let _permit = RENDERS.acquire().await.map_err(AppError::internal)?;
    let fonts = fonts(font_dirs);
    let inv = inv.clone();
    tokio::task::spawn_blocking(move || render(&inv, fonts)).await.map_err(AppError::internal)?
}

/// The document's lines as CSV (UTF-8 with a byte order mark, every text cell formula-safe).
pub fn csv(inv: &Invoice) -> AppResult<String> {
    let zh = inv.language == "zh-CN";
    let headers: [&str; 14] = if zh {
        ["单据编号", "类型", "账单周期", "序号", "行类型", "账单组", "账户", "服务代码", "描述", "原币种", "原币金额", "币种", "金额", "税额"]
    } else {
        ["Document number", "Kind", "Billing period", "Line", "Line kind", "Billing group", "Account", "Service code", "Description", "Source currency", "Source amount", "Currency", "Amount", "Tax"]
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(crate::csv_safe::record(headers)).map_err(AppError::internal)?;
    let number = inv.number.clone().unwrap_or_default();
    let kind = labels(&inv.language).title[kind_index(inv.kind)];
    for l in &inv.lines {
        let line_kind = match l.kind {
            LineKind::Usage => "USAGE",
            LineKind::Fee => "FEE",
            LineKind::Credit => "CREDIT",
            LineKind::Adjustment => "ADJUSTMENT",
        };
        let cells = [
            number.clone(),
            kind.to_owned(),
            inv.billing_period.clone(),
            l.position.to_string(),
            line_kind.to_owned(),
            l.group_name.clone(),
            l.account_id.clone(),
            l.service_code.clone(),
            l.description.clone(),
            inv.source_currency.clone(),
            l.source_amount.to_string(),
            inv.currency.clone(),
            format!("{:.*}", minor_digits(&inv.currency) as usize, l.amount),
            format!("{:.*}", minor_digits(&inv.currency) as usize, l.tax),
        ];
        writer.write_record(crate::csv_safe::record(cells.iter())).map_err(AppError::internal)?;
    }
    let bytes = writer.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))?;
    let body = String::from_utf8(bytes).map_err(AppError::internal)?;
    Ok(format!("\u{feff}{body}"))
}

/// Where a downloaded document is named: `ACME-2026-000042.pdf`, or `draft-<id>.pdf`.
pub fn file_name(inv: &Invoice, extension: &str) -> String {
    let stem = inv.number.clone().unwrap_or_else(|| format!("draft-{}", inv.id));
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_and_rounded_to_the_minor_unit() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(format_amount(d("1234567.8"), "USD"), "1,234,567.80");
        assert_eq!(format_amount(d("-1234.565"), "EUR"), "-1,234.57");
        assert_eq!(format_amount(d("999"), "JPY"), "999");
        assert_eq!(format_amount(d("1000"), "JPY"), "1,000");
        assert_eq!(format_amount(d("-0.001"), "USD"), "0.00");
    }
}
