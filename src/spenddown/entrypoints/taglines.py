"""The language-assistance taglines every notice of action carries (docs/rules.md §9.3).

W&I 14029.92(b) has DHCS give written notice of free language assistance in English and the
top 15 languages of Californians with limited English (45 CFR part 92, ACA section 1557); DHCS'
tagline list names these languages, and its texts (the "Language Assistance Taglines" Medi-Cal
notices and handbooks carry) say: call for help in your language; aids and services for people
with disabilities, such as braille and large print, are available; the services are free.

The texts below follow those taglines, with the Medi-Cal Member Help Line and the California
Relay Service (711). They were written from the published taglines, not copied from the
current DHCS file (docs/rules.md §9.3 says which were checked); a county replaces the number
with its own office's where DHCS lets it.

``script`` picks the PDF's font and text shaping (``entrypoints/notices.py``); the HTML page
marks each tagline with its language (and ``dir="rtl"`` for Arabic script).
"""

from __future__ import annotations

from dataclasses import dataclass

PHONE = "1-800-541-5555 (TTY: 711)"


@dataclass(frozen=True, slots=True)
class Tagline:
    lang: str  # BCP 47 tag, for the page's lang attribute and the PDF's shaping
    language: str  # the language's name, in English and in itself
    text: str
    script: str  # latin, cyrillic, armenian, arabic, devanagari, gurmukhi, khmer, lao, thai,
    # han-hant, han-hans, japanese, hangul

    @property
    def rtl(self) -> bool:
        return self.script == "arabic"


def _t(lang: str, language: str, script: str, text: str) -> Tagline:
    return Tagline(lang, language, text.format(p=PHONE), script)


# In the order of DHCS' list (English first, then alphabetical by the English name).
TAGLINES: tuple[Tagline, ...] = (
    _t(
        "en",
        "English",
        "latin",
        "ATTENTION: If you need help in your language, call {p}. Aids and services for people "
        "with disabilities, like documents in braille and large print, are also available. "
        "Call {p}. These services are free of charge.",
    ),
    _t(
        "ar",
        "Arabic (العربية)",
        "arabic",
        "يُرجى الانتباه: إذا احتجت إلى المساعدة بلغتك، فاتصل بـ {p}. تتوفر أيضًا المساعدات "
        "والخدمات للأشخاص ذوي الإعاقة، مثل المستندات المكتوبة بطريقة بريل والخط الكبير. "
        "اتصل بـ {p}. هذه الخدمات مجانية.",
    ),
    _t(
        "hy",
        "Armenian (Հայերեն)",
        "armenian",
        "ՈՒՇԱԴՐՈՒԹՅՈՒՆ։ Եթե Ձեզ օգնություն է հարկավոր Ձեր լեզվով, զանգահարեք {p}։ Կան նաև "
        "օժանդակ միջոցներ ու ծառայություններ հաշմանդամություն ունեցող անձանց համար, օրինակ՝ "
        "Բրայլի գրատիպով ու խոշորատառ տպագրված նյութեր։ Զանգահարեք {p}։ Այդ ծառայություններն "
        "անվճար են։",
    ),
    _t(
        "km",
        "Cambodian (ខ្មែរ)",
        "khmer",
        "ចំណាំ៖ បើអ្នក ត្រូវការជំនួយ ជាភាសា របស់អ្នក សូម ទូរស័ព្ទទៅលេខ {p}។ ជំនួយ និង សេវាកម្ម "
        "សម្រាប់ ជនពិការ ដូចជាឯកសារសរសេរជាអក្សរផុស សម្រាប់ជនពិការភ្នែក "
        "ឬឯកសារសរសេរជាអក្សរពុម្ពធំ ក៏អាចរកបានផងដែរ។ ទូរស័ព្ទមកលេខ {p}។ "
        "សេវាកម្មទាំងនេះមិនគិតថ្លៃឡើយ។",
    ),
    _t(
        "zh-Hant",
        "Chinese (繁體中文)",
        "han-hant",
        "請注意：如果您需要以您的母語提供幫助，請致電 {p}。另外還提供針對殘疾人士的幫助和服務，"
        "例如盲文和需要較大字體閱讀，也是方便取用的。請致電 {p}。這些服務都是免費的。",
    ),
    _t(
        "zh-Hans",
        "Chinese, Simplified (简体中文)",
        "han-hans",
        "请注意：如果您需要以您的母语提供帮助，请致电 {p}。另外还提供针对残疾人士的帮助和服务，"
        "例如盲文和需要较大字体阅读，也是方便取用的。请致电 {p}。这些服务都是免费的。",
    ),
    _t(
        "fa",
        "Farsi (فارسی)",
        "arabic",
        "توجه: اگر می\u200cخواهید به زبان خود کمک دریافت کنید، با {p} تماس بگیرید. "
        "کمک\u200cها و خدمات مخصوص افراد دارای معلولیت، مانند نسخه\u200cهای خط بریل و چاپ با "
        "حروف بزرگ، نیز موجود است. با {p} تماس بگیرید. این خدمات رایگان ارائه می\u200cشوند.",
    ),
    _t(
        "hi",
        "Hindi (हिंदी)",
        "devanagari",
        "ध्यान दें: अगर आपको अपनी भाषा में सहायता की आवश्यकता है तो {p} पर कॉल करें। अशक्तता "
        "वाले लोगों के लिए सहायता और सेवाएं, जैसे ब्रेल और बड़े प्रिंट में भी दस्तावेज़ उपलब्ध "
        "हैं। {p} पर कॉल करें। ये सेवाएं निःशुल्क हैं।",
    ),
    _t(
        "hmn",
        "Hmong (Hmoob)",
        "latin",
        "CEEB TOOM: Yog koj xav tau kev pab txhais koj hom lus hu rau {p}. Muaj cov kev pab "
        "txhawb thiab kev pab cuam rau cov neeg xiam oob qhab, xws li muab cov ntaub ntawv luam "
        "tawm ua tus ntawv su thiab luam tawm ua tus ntawv loj. Hu rau {p}. Cov kev pab cuam no "
        "yog pab dawb xwb.",
    ),
    _t(
        "ja",
        "Japanese (日本語)",
        "japanese",
        "注意：日本語での対応が必要な場合は {p} へお電話ください。点字の資料や文字の拡大表示など、"
        "障がいをお持ちの方のためのサービスも用意しています。{p} へお電話ください。"
        "これらのサービスは無料で提供しています。",
    ),
    _t(
        "ko",
        "Korean (한국어)",
        "hangul",
        "유의사항: 귀하의 언어로 도움을 받고 싶으시면 {p} 번으로 문의하십시오. 점자나 큰 활자로 "
        "된 문서와 같이 장애가 있는 분들을 위한 도움과 서비스도 이용 가능합니다. {p} 번으로 "
        "문의하십시오. 이러한 서비스는 무료로 제공됩니다.",
    ),
    _t(
        "lo",
        "Laotian (ພາສາລາວ)",
        "lao",
        "ປະກາດ: ຖ້າທ່ານຕ້ອງການຄວາມຊ່ວຍເຫຼືອໃນພາສາຂອງທ່ານໃຫ້ໂທຫາເບີ {p}. "
        "ຍັງມີຄວາມຊ່ວຍເຫຼືອແລະການບໍລິການສຳລັບຄົນພິການ ເຊັ່ນເອກະສານທີ່ເປັນອັກສອນນູນແລະມີໂຕພິມໃຫຍ່ "
        "ໃຫ້ໂທຫາເບີ {p}. ການບໍລິການເຫຼົ່ານີ້ບໍ່ຕ້ອງເສຍຄ່າໃຊ້ຈ່າຍໃດໆ.",
    ),
    _t(
        "mww",
        "Mien (Iu Mienh)",
        "latin",
        "LONGC HNYOUV JANGX LONGX OC: Beiv taux meih qiemx longc mienh tengx faan benx meih nyei "
        "waac nor douc waac daaih lorx taux {p}. Liouh lorx jauv-louc tengx aengx caux nzie gong "
        "bun taux ninh mbuo wuaaic fangx mienh, beiv taux longc benx nzangc-pokc bun hluo mbiutc "
        "aengx caux aamz mborqv benx domh sou se mbenc nzoih bun longc. Douc waac daaih lorx {p}. "
        "Naaiv deix nzie weih gong-bieqc se benx wang-henh tengx mv zuqc cuotv nyaanh oc.",
    ),
    _t(
        "pa",
        "Punjabi (ਪੰਜਾਬੀ)",
        "gurmukhi",
        "ਧਿਆਨ ਦਿਓ: ਜੇ ਤੁਹਾਨੂੰ ਆਪਣੀ ਭਾਸ਼ਾ ਵਿੱਚ ਮਦਦ ਦੀ ਲੋੜ ਹੈ ਤਾਂ ਕਾਲ ਕਰੋ {p}. ਅਪਾਹਜ ਲੋਕਾਂ ਲਈ "
        "ਸਹਾਇਤਾ ਅਤੇ ਸੇਵਾਵਾਂ, ਜਿਵੇਂ ਕਿ ਬ੍ਰੇਲ ਅਤੇ ਮੋਟੀ ਛਪਾਈ ਵਿੱਚ ਦਸਤਾਵੇਜ਼, ਵੀ ਉਪਲਬਧ ਹਨ। "
        "ਕਾਲ ਕਰੋ {p}. ਇਹ ਸੇਵਾਵਾਂ ਮੁਫਤ ਹਨ।",
    ),
    _t(
        "ru",
        "Russian (Русский)",
        "cyrillic",
        "ВНИМАНИЕ! Если вам нужна помощь на вашем родном языке, звоните по номеру {p}. Также "
        "предоставляются средства и услуги для людей с ограниченными возможностями, например "
        "документы крупным шрифтом или шрифтом Брайля. Звоните по номеру {p}. Такие услуги "
        "предоставляются бесплатно.",
    ),
    _t(
        "es",
        "Spanish (Español)",
        "latin",
        "ATENCIÓN: si necesita ayuda en su idioma, llame al {p}. También ofrecemos asistencia y "
        "servicios para personas con discapacidades, como documentos en braille y con letras "
        "grandes. Llame al {p}. Estos servicios son gratuitos.",
    ),
    _t(
        "tl",
        "Tagalog (Filipino)",
        "latin",
        "ATENSIYON: Kung kailangan mo ng tulong sa iyong wika, tumawag sa {p}. Mayroon ding mga "
        "tulong at serbisyo para sa mga taong may kapansanan, tulad ng mga dokumento sa braille "
        "at malaking print. Tumawag sa {p}. Libre ang mga serbisyong ito.",
    ),
    _t(
        "th",
        "Thai (ภาษาไทย)",
        "thai",
        "โปรดทราบ: หากคุณต้องการความช่วยเหลือเป็นภาษาของคุณ กรุณาโทรศัพท์ไปที่หมายเลข {p} "
        "นอกจากนี้ ยังพร้อมให้ความช่วยเหลือและบริการต่าง ๆ สำหรับบุคคลที่มีความพิการ เช่น "
        "เอกสารต่าง ๆ ที่เป็นอักษรเบรลล์และเอกสารที่พิมพ์ด้วยตัวอักษรขนาดใหญ่ "
        "กรุณาโทรศัพท์ไปที่หมายเลข {p} ไม่มีค่าใช้จ่ายสำหรับบริการเหล่านี้",
    ),
    _t(
        "uk",
        "Ukrainian (Українська)",
        "cyrillic",
        "УВАГА! Якщо вам потрібна допомога вашою рідною мовою, телефонуйте на номер {p}. Люди з "
        "обмеженими можливостями також можуть скористатися допоміжними засобами та послугами, "
        "наприклад, отримати документи, надруковані шрифтом Брайля та великим шрифтом. "
        "Телефонуйте на номер {p}. Ці послуги безкоштовні.",
    ),
    _t(
        "vi",
        "Vietnamese (Tiếng Việt)",
        "latin",
        "CHÚ Ý: Nếu quý vị cần trợ giúp bằng ngôn ngữ của mình, vui lòng gọi số {p}. Chúng tôi "
        "cũng hỗ trợ và cung cấp các dịch vụ dành cho người khuyết tật, như tài liệu bằng chữ "
        "nổi Braille và chữ khổ lớn (chữ hoa). Vui lòng gọi số {p}. Các dịch vụ này đều miễn "
        "phí.",
    ),
)
