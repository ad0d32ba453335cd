// Built-in strings: en, de, fr, es, ja, ar. Keys are documented in docs/view.md.
#include "internal/strings.h"

#include <cstddef>
#include <cstring>

namespace session_rating::internal {
namespace {

// Order of keys in every table below; each key ended by '\0'.
const char kKeys[] =
    "question_call\0" "question_chat\0" "submit\0" "close\0" "problems_label\0" "comment_label\0"
    "comment_placeholder\0" "chars_left\0" "thanks\0" "change\0" "time_left\0" "final_note\0"
    "dismissed\0" "rating_label\0" "star_1\0" "star_2\0" "star_3\0" "star_4\0" "star_5\0"
    "emoji_1\0" "emoji_2\0" "emoji_3\0" "emoji_4\0" "emoji_5\0" "thumbs_down\0" "thumbs_up\0"
    "problem_audio\0" "problem_video\0" "problem_connection\0" "problem_screen_share\0"
    "problem_other\0" "problem_not_answered\0" "problem_wrong_answer\0" "problem_too_slow\0"
    "problem_hard_to_understand\0" "err_comment_required\0" "err_comment_too_long\0"
    "err_generic\0" "question_nps\0" "question_helpful\0" "question_experience\0" "n_of_m\0"
    "numeric_min\0" "numeric_max\0" "nps_min\0" "nps_max\0" "trigger\0" "err_answer_required\0";
constexpr std::size_t kKeyCount = 48;

// A table's texts, in kKeys order, one after another, each ended by '\0' (one string per
// table, not an array of pointers: 1.4 KB less data in the WASM build, docs/wasm.md).
struct Table {
  const char* lang;
  const char* values;
};

// The text after `p`'s terminating '\0'.
const char* next(const char* p) { return p + std::strlen(p) + 1; }

const Table kTables[] = {
    {"en",
     "How was your call?\0" "How was your conversation?\0" "Submit\0" "Close\0"
     "What went wrong?\0" "Tell us more\0" "Optional\0" "{n} characters left\0"
     "Thanks for your feedback!\0" "Change rating\0" "You can change your rating for {time}.\0"
     "Your rating is final.\0" "No problem. Thanks anyway!\0" "Rating\0" "1 star\0" "2 stars\0"
     "3 stars\0" "4 stars\0" "5 stars\0" "Very dissatisfied\0" "Dissatisfied\0" "Neutral\0"
     "Satisfied\0" "Very satisfied\0" "Thumbs down\0" "Thumbs up\0" "Audio\0" "Video\0"
     "Connection\0" "Screen sharing\0" "Other\0" "My question was not answered\0"
     "The answer was wrong\0" "Too slow\0" "Hard to understand\0"
     "Please tell us more before submitting.\0" "Your comment is too long.\0"
     "Something went wrong. Please try again.\0"
     "How likely are you to recommend us to a friend or colleague?\0" "Was this helpful?\0"
     "How was your experience?\0" "{n} out of {m}\0" "Very poor\0" "Excellent\0"
     "Not at all likely\0" "Extremely likely\0" "Rate this answer\0"
     "Please answer every required question.\0"},
    {"de",
     "Wie war Ihr Anruf?\0" "Wie war Ihr Gespräch?\0" "Senden\0" "Schließen\0" "Was lief schief?\0"
     "Erzählen Sie uns mehr\0" "Optional\0" "Noch {n} Zeichen\0" "Danke für Ihr Feedback!\0"
     "Bewertung ändern\0" "Sie können Ihre Bewertung noch {time} ändern.\0"
     "Ihre Bewertung ist endgültig.\0" "Kein Problem. Trotzdem danke!\0" "Bewertung\0" "1 Stern\0"
     "2 Sterne\0" "3 Sterne\0" "4 Sterne\0" "5 Sterne\0" "Sehr unzufrieden\0" "Unzufrieden\0"
     "Neutral\0" "Zufrieden\0" "Sehr zufrieden\0" "Daumen runter\0" "Daumen hoch\0" "Ton\0"
     "Video\0" "Verbindung\0" "Bildschirmfreigabe\0" "Sonstiges\0"
     "Meine Frage wurde nicht beantwortet\0" "Die Antwort war falsch\0" "Zu langsam\0"
     "Schwer verständlich\0" "Bitte erzählen Sie uns mehr, bevor Sie senden.\0"
     "Ihr Kommentar ist zu lang.\0" "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.\0"
     "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?\0"
     "War das hilfreich?\0" "Wie war Ihre Erfahrung?\0" "{n} von {m}\0" "Sehr schlecht\0"
     "Ausgezeichnet\0" "Überhaupt nicht wahrscheinlich\0" "Äußerst wahrscheinlich\0"
     "Diese Antwort bewerten\0" "Bitte beantworten Sie alle Pflichtfragen.\0"},
    {"fr",
     "Comment s'est passé votre appel ?\0" "Comment s'est passée votre conversation ?\0"
     "Envoyer\0" "Fermer\0" "Qu'est-ce qui n'a pas fonctionné ?\0" "Dites-nous en plus\0"
     "Facultatif\0" "{n} caractères restants\0" "Merci pour votre avis !\0" "Modifier la note\0"
     "Vous pouvez modifier votre note pendant {time}.\0" "Votre note est définitive.\0"
     "Pas de souci. Merci quand même !\0" "Note\0" "1 étoile\0" "2 étoiles\0" "3 étoiles\0"
     "4 étoiles\0" "5 étoiles\0" "Très insatisfait\0" "Insatisfait\0" "Neutre\0" "Satisfait\0"
     "Très satisfait\0" "Pouce vers le bas\0" "Pouce vers le haut\0" "Audio\0" "Vidéo\0"
     "Connexion\0" "Partage d'écran\0" "Autre\0" "Ma question est restée sans réponse\0"
     "La réponse était fausse\0" "Trop lent\0" "Difficile à comprendre\0"
     "Dites-nous en plus avant d'envoyer.\0" "Votre commentaire est trop long.\0"
     "Une erreur s'est produite. Veuillez réessayer.\0"
     "Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?\0"
     "Cela vous a-t-il aidé ?\0" "Comment s'est passée votre expérience ?\0" "{n} sur {m}\0"
     "Très mauvais\0" "Excellent\0" "Pas du tout probable\0" "Très probable\0"
     "Évaluer cette réponse\0" "Veuillez répondre à toutes les questions obligatoires.\0"},
    {"es",
     "¿Qué tal fue tu llamada?\0" "¿Qué tal fue tu conversación?\0" "Enviar\0" "Cerrar\0"
     "¿Qué salió mal?\0" "Cuéntanos más\0" "Opcional\0" "Quedan {n} caracteres\0"
     "¡Gracias por tu opinión!\0" "Cambiar valoración\0"
     "Puedes cambiar tu valoración durante {time}.\0" "Tu valoración es definitiva.\0"
     "No pasa nada. ¡Gracias de todos modos!\0" "Valoración\0" "1 estrella\0" "2 estrellas\0"
     "3 estrellas\0" "4 estrellas\0" "5 estrellas\0" "Muy insatisfecho\0" "Insatisfecho\0"
     "Neutral\0" "Satisfecho\0" "Muy satisfecho\0" "Pulgar abajo\0" "Pulgar arriba\0" "Audio\0"
     "Vídeo\0" "Conexión\0" "Compartir pantalla\0" "Otro\0" "Mi pregunta no fue respondida\0"
     "La respuesta era incorrecta\0" "Demasiado lento\0" "Difícil de entender\0"
     "Cuéntanos más antes de enviar.\0" "Tu comentario es demasiado largo.\0"
     "Algo salió mal. Inténtalo de nuevo.\0"
     "¿Qué probabilidad hay de que nos recomiende a un amigo o colega?\0"
     "¿Le ha resultado útil?\0" "¿Cómo fue su experiencia?\0" "{n} de {m}\0" "Muy malo\0"
     "Excelente\0" "Nada probable\0" "Muy probable\0" "Valorar esta respuesta\0"
     "Responda a todas las preguntas obligatorias.\0"},
    {"ja",
     "通話はいかがでしたか？\0" "会話はいかがでしたか？\0" "送信\0" "閉じる\0" "何が問題でしたか？\0" "詳しく教えてください\0" "任意\0" "残り{n}文字\0"
     "フィードバックありがとうございます！\0" "評価を変更\0" "あと{time}評価を変更できます。\0" "評価は確定しました。\0" "承知しました。ありがとうございました！\0"
     "評価\0" "星1つ\0" "星2つ\0" "星3つ\0" "星4つ\0" "星5つ\0" "とても不満\0" "不満\0" "普通\0" "満足\0" "とても満足\0"
     "よくない\0" "よい\0" "音声\0" "映像\0" "接続\0" "画面共有\0" "その他\0" "質問に答えてもらえなかった\0" "回答が間違っていた\0" "遅すぎる\0"
     "分かりにくい\0" "送信する前に詳しく教えてください。\0" "コメントが長すぎます。\0" "問題が発生しました。もう一度お試しください。\0"
     "友人や同僚に当社を薦める可能性はどのくらいありますか？\0" "役に立ちましたか？\0" "ご利用の体験はいかがでしたか？\0" "{m}段階中{n}\0" "とても悪い\0"
     "とても良い\0" "まったく可能性がない\0" "非常に可能性が高い\0" "この回答を評価\0" "必須の質問にすべて回答してください。\0"},
    {"ar",
     "كيف كانت مكالمتك؟\0" "كيف كانت محادثتك؟\0" "إرسال\0" "إغلاق\0" "ما الذي لم يعمل جيدًا؟\0"
     "أخبرنا بالمزيد\0" "اختياري\0" "تبقى {n} حرفًا\0" "شكرًا على ملاحظاتك!\0" "تغيير التقييم\0"
     "يمكنك تغيير تقييمك خلال {time}.\0" "تقييمك نهائي.\0" "لا بأس. شكرًا على أي حال!\0"
     "التقييم\0" "نجمة واحدة\0" "نجمتان\0" "3 نجوم\0" "4 نجوم\0" "5 نجوم\0" "غير راضٍ جدًا\0"
     "غير راضٍ\0" "محايد\0" "راضٍ\0" "راضٍ جدًا\0" "إبهام لأسفل\0" "إبهام لأعلى\0" "الصوت\0"
     "الفيديو\0" "الاتصال\0" "مشاركة الشاشة\0" "أخرى\0" "لم تتم الإجابة عن سؤالي\0"
     "كانت الإجابة خاطئة\0" "بطيء جدًا\0" "صعب الفهم\0" "يرجى إخبارنا بالمزيد قبل الإرسال.\0"
     "تعليقك طويل جدًا.\0" "حدث خطأ ما. يرجى المحاولة مرة أخرى.\0"
     "ما مدى احتمال أن توصي بنا لصديق أو زميل؟\0" "هل كان هذا مفيدًا؟\0" "كيف كانت تجربتك؟\0"
     "{n} من {m}\0" "سيئ جدًا\0" "ممتاز\0" "غير محتمل إطلاقًا\0" "محتمل للغاية\0"
     "قيّم هذه الإجابة\0" "يرجى الإجابة عن كل الأسئلة المطلوبة.\0"},
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
  const char* key = kKeys;
  const char* value = table->values;
  for (std::size_t i = 0; i < kKeyCount; ++i, key = next(key), value = next(value)) out[key] = value;
  return table->lang;
}

bool is_string_key(std::string_view key) {
  const char* k = kKeys;
  for (std::size_t i = 0; i < kKeyCount; ++i, k = next(k))
    if (key == k) return true;
  return false;
}

bool is_rtl_locale(std::string_view locale) {
  std::string_view lang = base_language(locale);
  return equals_ascii_ci(lang, "ar") || equals_ascii_ci(lang, "he") ||
         equals_ascii_ci(lang, "fa") || equals_ascii_ci(lang, "ur");
}

}  // namespace session_rating::internal
