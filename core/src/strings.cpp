// Built-in strings: en, de, fr, es, ja, ar. Keys are documented in docs/view.md.
#include "internal/strings.h"

#include <cstddef>

namespace session_rating::internal {
namespace {

// Order of keys in every table below.
const char* const kKeys[] = {
    "question_call", "question_chat", "submit", "close", "problems_label", "comment_label",
    "comment_placeholder", "chars_left", "thanks", "change", "time_left", "final_note",
    "dismissed", "rating_label", "star_1", "star_2", "star_3", "star_4", "star_5",
    "emoji_1", "emoji_2", "emoji_3", "emoji_4", "emoji_5", "thumbs_down", "thumbs_up",
    "problem_audio", "problem_video", "problem_connection", "problem_screen_share",
    "problem_other", "problem_not_answered", "problem_wrong_answer", "problem_too_slow",
    "problem_hard_to_understand", "err_comment_required", "err_comment_too_long", "err_generic",
    "question_nps", "question_helpful", "question_experience", "n_of_m", "numeric_min", "numeric_max", "nps_min", "nps_max", "trigger", "err_answer_required",
};
constexpr std::size_t kKeyCount = sizeof(kKeys) / sizeof(kKeys[0]);

struct Table {
  const char* lang;
  const char* values[kKeyCount];
};

const Table kTables[] = {
    {"en",
     {"How was your call?", "How was your conversation?", "Submit", "Close", "What went wrong?",
      "Tell us more", "Optional", "{n} characters left", "Thanks for your feedback!",
      "Change rating", "You can change your rating for {time}.", "Your rating is final.",
      "No problem. Thanks anyway!", "Rating", "1 star", "2 stars", "3 stars", "4 stars",
      "5 stars", "Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied",
      "Thumbs down", "Thumbs up", "Audio", "Video", "Connection", "Screen sharing", "Other",
      "My question was not answered", "The answer was wrong", "Too slow", "Hard to understand",
      "Please tell us more before submitting.", "Your comment is too long.",
      "Something went wrong. Please try again.",
      "How likely are you to recommend us to a friend or colleague?", "Was this helpful?", "How was your experience?", "{n} out of {m}", "Very poor", "Excellent", "Not at all likely", "Extremely likely", "Rate this answer", "Please answer every required question."}},
    {"de",
     {"Wie war Ihr Anruf?", "Wie war Ihr Gespräch?", "Senden", "Schließen", "Was lief schief?",
      "Erzählen Sie uns mehr", "Optional", "Noch {n} Zeichen", "Danke für Ihr Feedback!",
      "Bewertung ändern", "Sie können Ihre Bewertung noch {time} ändern.",
      "Ihre Bewertung ist endgültig.", "Kein Problem. Trotzdem danke!", "Bewertung", "1 Stern",
      "2 Sterne", "3 Sterne", "4 Sterne", "5 Sterne", "Sehr unzufrieden", "Unzufrieden",
      "Neutral", "Zufrieden", "Sehr zufrieden", "Daumen runter", "Daumen hoch", "Ton", "Video",
      "Verbindung", "Bildschirmfreigabe", "Sonstiges", "Meine Frage wurde nicht beantwortet",
      "Die Antwort war falsch", "Zu langsam", "Schwer verständlich",
      "Bitte erzählen Sie uns mehr, bevor Sie senden.", "Ihr Kommentar ist zu lang.",
      "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
      "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?", "War das hilfreich?", "Wie war Ihre Erfahrung?", "{n} von {m}", "Sehr schlecht", "Ausgezeichnet", "Überhaupt nicht wahrscheinlich", "Äußerst wahrscheinlich", "Diese Antwort bewerten", "Bitte beantworten Sie alle Pflichtfragen."}},
    {"fr",
     {"Comment s'est passé votre appel ?", "Comment s'est passée votre conversation ?",
      "Envoyer", "Fermer", "Qu'est-ce qui n'a pas fonctionné ?", "Dites-nous en plus",
      "Facultatif", "{n} caractères restants", "Merci pour votre avis !", "Modifier la note",
      "Vous pouvez modifier votre note pendant {time}.", "Votre note est définitive.",
      "Pas de souci. Merci quand même !", "Note", "1 étoile", "2 étoiles", "3 étoiles",
      "4 étoiles", "5 étoiles", "Très insatisfait", "Insatisfait", "Neutre", "Satisfait",
      "Très satisfait", "Pouce vers le bas", "Pouce vers le haut", "Audio", "Vidéo",
      "Connexion", "Partage d'écran", "Autre", "Ma question est restée sans réponse",
      "La réponse était fausse", "Trop lent", "Difficile à comprendre",
      "Dites-nous en plus avant d'envoyer.", "Votre commentaire est trop long.",
      "Une erreur s'est produite. Veuillez réessayer.",
      "Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?", "Cela vous a-t-il aidé ?", "Comment s'est passée votre expérience ?", "{n} sur {m}", "Très mauvais", "Excellent", "Pas du tout probable", "Très probable", "Évaluer cette réponse", "Veuillez répondre à toutes les questions obligatoires."}},
    {"es",
     {"¿Qué tal fue tu llamada?", "¿Qué tal fue tu conversación?", "Enviar", "Cerrar",
      "¿Qué salió mal?", "Cuéntanos más", "Opcional", "Quedan {n} caracteres",
      "¡Gracias por tu opinión!", "Cambiar valoración",
      "Puedes cambiar tu valoración durante {time}.", "Tu valoración es definitiva.",
      "No pasa nada. ¡Gracias de todos modos!", "Valoración", "1 estrella", "2 estrellas",
      "3 estrellas", "4 estrellas", "5 estrellas", "Muy insatisfecho", "Insatisfecho", "Neutral",
      "Satisfecho", "Muy satisfecho", "Pulgar abajo", "Pulgar arriba", "Audio", "Vídeo",
      "Conexión", "Compartir pantalla", "Otro", "Mi pregunta no fue respondida",
      "La respuesta era incorrecta", "Demasiado lento", "Difícil de entender",
      "Cuéntanos más antes de enviar.", "Tu comentario es demasiado largo.",
      "Algo salió mal. Inténtalo de nuevo.",
      "¿Qué probabilidad hay de que nos recomiende a un amigo o colega?", "¿Le ha resultado útil?", "¿Cómo fue su experiencia?", "{n} de {m}", "Muy malo", "Excelente", "Nada probable", "Muy probable", "Valorar esta respuesta", "Responda a todas las preguntas obligatorias."}},
    {"ja",
     {"通話はいかがでしたか？", "会話はいかがでしたか？", "送信", "閉じる", "何が問題でしたか？",
      "詳しく教えてください", "任意", "残り{n}文字", "フィードバックありがとうございます！",
      "評価を変更", "あと{time}評価を変更できます。", "評価は確定しました。",
      "承知しました。ありがとうございました！", "評価", "星1つ", "星2つ", "星3つ", "星4つ",
      "星5つ", "とても不満", "不満", "普通", "満足", "とても満足", "よくない", "よい", "音声",
      "映像", "接続", "画面共有", "その他", "質問に答えてもらえなかった", "回答が間違っていた",
      "遅すぎる", "分かりにくい", "送信する前に詳しく教えてください。", "コメントが長すぎます。",
      "問題が発生しました。もう一度お試しください。",
      "友人や同僚に当社を薦める可能性はどのくらいありますか？", "役に立ちましたか？", "ご利用の体験はいかがでしたか？", "{m}段階中{n}", "とても悪い", "とても良い", "まったく可能性がない", "非常に可能性が高い", "この回答を評価", "必須の質問にすべて回答してください。"}},
    {"ar",
     {"كيف كانت مكالمتك؟", "كيف كانت محادثتك؟", "إرسال", "إغلاق", "ما الذي لم يعمل جيدًا؟",
      "أخبرنا بالمزيد", "اختياري", "تبقى {n} حرفًا", "شكرًا على ملاحظاتك!", "تغيير التقييم",
      "يمكنك تغيير تقييمك خلال {time}.", "تقييمك نهائي.", "لا بأس. شكرًا على أي حال!", "التقييم",
      "نجمة واحدة", "نجمتان", "3 نجوم", "4 نجوم", "5 نجوم", "غير راضٍ جدًا", "غير راضٍ", "محايد",
      "راضٍ", "راضٍ جدًا", "إبهام لأسفل", "إبهام لأعلى", "الصوت", "الفيديو", "الاتصال",
      "مشاركة الشاشة", "أخرى", "لم تتم الإجابة عن سؤالي", "كانت الإجابة خاطئة", "بطيء جدًا",
      "صعب الفهم", "يرجى إخبارنا بالمزيد قبل الإرسال.", "تعليقك طويل جدًا.",
      "حدث خطأ ما. يرجى المحاولة مرة أخرى.",
      "ما مدى احتمال أن توصي بنا لصديق أو زميل؟", "هل كان هذا مفيدًا؟", "كيف كانت تجربتك؟", "{n} من {m}", "سيئ جدًا", "ممتاز", "غير محتمل إطلاقًا", "محتمل للغاية", "قيّم هذه الإجابة", "يرجى الإجابة عن كل الأسئلة المطلوبة."}},
};

std::string_view base_language(std::string_view locale) {
  std::size_t cut = locale.find_first_of("-_");
  return cut == std::string_view::npos ? locale : locale.substr(0, cut);
}

bool equals_ascii_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string builtin_strings(std::string_view locale, std::map<std::string, std::string>& out) {
  std::string_view lang = base_language(locale);
  const Table* table = &kTables[0];
  for (const Table& t : kTables)
    if (equals_ascii_ci(lang, t.lang)) table = &t;
  for (std::size_t i = 0; i < kKeyCount; ++i) out[kKeys[i]] = table->values[i];
  return table->lang;
}

bool is_string_key(std::string_view key) {
  for (const char* k : kKeys)
    if (key == k) return true;
  return false;
}

bool is_rtl_locale(std::string_view locale) {
  std::string_view lang = base_language(locale);
  return equals_ascii_ci(lang, "ar") || equals_ascii_ci(lang, "he") ||
         equals_ascii_ci(lang, "fa") || equals_ascii_ci(lang, "ur");
}

}  // namespace session_rating::internal
