"""The password rules (settings.AUTH_PASSWORD_VALIDATORS), all in Chinese: at least 10
characters (Django's length rule with the Chinese message its translation lacks), not like
the user name, not a common password, not digits only (Django's), and both letters and
digits (ours)."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's, saying so in Chinese (its zh-hans catalogue leaves this message in English)."""

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短：至少需要 {self.min_length} 个字符，现在只有 {len(password)} 个。",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符。"


HELP_TEXT = "密码须同时包含字母和数字。"


class LettersAndDigitsValidator:
    """At least one letter (a–z, A–Z) and at least one digit (0–9)."""

    def validate(self, password, user=None):
        has_letter = any("a" <= c.lower() <= "z" for c in password)
        has_digit = any("0" <= c <= "9" for c in password)
        if not (has_letter and has_digit):
            raise ValidationError("密码须同时包含字母和数字。", code="password_no_letters_and_digits")

    def get_help_text(self):
        return HELP_TEXT
