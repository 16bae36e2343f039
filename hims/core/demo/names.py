"""Curated demo names: common first names and surnames of Delhi, in Latin and Devanagari.

Faker's Indian locales mix in Western first names and honorifics (shared/RECIPES.md), so demo
people are built from these lists instead. Each group keeps first names and surnames of one
naming tradition together, so no one is called "Gurdeep Ansari". Latin spellings are the ones
seen on Delhi registration slips; Devanagari spellings are the usual Hindi ones.
"""

from __future__ import annotations

from dataclasses import dataclass

Pair = tuple[str, str]  # (Latin, Devanagari)


@dataclass(frozen=True)
class Surname:
    """A family name; `female` is the form a woman of the family uses (Singh -> Kaur)."""

    name: str
    name_hi: str
    female: Pair | None = None
    girl: Pair | None = None  # an unmarried daughter's form, where it differs (Kumari)

    def for_person(self, *, female: bool, adult: bool = True) -> Pair:
        if female and not adult and self.girl:
            return self.girl
        if female and self.female:
            return self.female
        return (self.name, self.name_hi)


@dataclass(frozen=True)
class NameGroup:
    """First names and surnames of one naming tradition, with its share of the demo people."""

    key: str
    weight: int
    male: tuple[Pair, ...]
    female: tuple[Pair, ...]
    surnames: tuple[Surname, ...]


HINDU = NameGroup(
    key="hindu",
    weight=72,
    male=(
        ("Aarav", "आरव"),
        ("Abhishek", "अभिषेक"),
        ("Aditya", "आदित्य"),
        ("Ajay", "अजय"),
        ("Akash", "आकाश"),
        ("Amit", "अमित"),
        ("Anil", "अनिल"),
        ("Ankit", "अंकित"),
        ("Arjun", "अर्जुन"),
        ("Ashok", "अशोक"),
        ("Ayush", "आयुष"),
        ("Deepak", "दीपक"),
        ("Dinesh", "दिनेश"),
        ("Gaurav", "गौरव"),
        ("Harish", "हरीश"),
        ("Hemant", "हेमंत"),
        ("Karan", "करण"),
        ("Kunal", "कुणाल"),
        ("Lokesh", "लोकेश"),
        ("Mahesh", "महेश"),
        ("Manoj", "मनोज"),
        ("Mohit", "मोहित"),
        ("Mukesh", "मुकेश"),
        ("Naresh", "नरेश"),
        ("Naveen", "नवीन"),
        ("Nikhil", "निखिल"),
        ("Pankaj", "पंकज"),
        ("Pawan", "पवन"),
        ("Pradeep", "प्रदीप"),
        ("Prakash", "प्रकाश"),
        ("Rahul", "राहुल"),
        ("Rajesh", "राजेश"),
        ("Rakesh", "राकेश"),
        ("Ramesh", "रमेश"),
        ("Ravi", "रवि"),
        ("Rohit", "रोहित"),
        ("Sachin", "सचिन"),
        ("Sandeep", "संदीप"),
        ("Sanjay", "संजय"),
        ("Santosh", "संतोष"),
        ("Satish", "सतीश"),
        ("Shivam", "शिवम"),
        ("Sunil", "सुनील"),
        ("Suresh", "सुरेश"),
        ("Tarun", "तरुण"),
        ("Varun", "वरुण"),
        ("Vijay", "विजय"),
        ("Vikas", "विकास"),
        ("Vinod", "विनोद"),
        ("Vishal", "विशाल"),
        ("Vivek", "विवेक"),
        ("Yogesh", "योगेश"),
    ),
    female=(
        ("Aarti", "आरती"),
        ("Ananya", "अनन्या"),
        ("Anita", "अनीता"),
        ("Anjali", "अंजलि"),
        ("Ankita", "अंकिता"),
        ("Babita", "बबीता"),
        ("Deepika", "दीपिका"),
        ("Diya", "दिया"),
        ("Geeta", "गीता"),
        ("Isha", "ईशा"),
        ("Jyoti", "ज्योति"),
        ("Kajal", "काजल"),
        ("Kavita", "कविता"),
        ("Kiran", "किरण"),
        ("Komal", "कोमल"),
        ("Lata", "लता"),
        ("Mamta", "ममता"),
        ("Manju", "मंजू"),
        ("Meena", "मीना"),
        ("Neelam", "नीलम"),
        ("Neha", "नेहा"),
        ("Nisha", "निशा"),
        ("Payal", "पायल"),
        ("Pooja", "पूजा"),
        ("Poonam", "पूनम"),
        ("Priya", "प्रिया"),
        ("Priyanka", "प्रियंका"),
        ("Radha", "राधा"),
        ("Rani", "रानी"),
        ("Reena", "रीना"),
        ("Rekha", "रेखा"),
        ("Renu", "रेनू"),
        ("Ritu", "रितु"),
        ("Sangeeta", "संगीता"),
        ("Sarita", "सरिता"),
        ("Saroj", "सरोज"),
        ("Savita", "सविता"),
        ("Seema", "सीमा"),
        ("Shalini", "शालिनी"),
        ("Shanti", "शांति"),
        ("Shweta", "श्वेता"),
        ("Sonia", "सोनिया"),
        ("Suman", "सुमन"),
        ("Sunita", "सुनीता"),
        ("Sushma", "सुषमा"),
        ("Swati", "स्वाति"),
        ("Usha", "उषा"),
        ("Vandana", "वंदना"),
    ),
    surnames=(
        Surname("Aggarwal", "अग्रवाल"),
        Surname("Arora", "अरोड़ा"),
        Surname("Bansal", "बंसल"),
        Surname("Bhardwaj", "भारद्वाज"),
        Surname("Bhatia", "भाटिया"),
        Surname("Chaudhary", "चौधरी"),
        Surname("Chauhan", "चौहान"),
        Surname("Dabas", "डबास"),
        Surname("Goel", "गोयल"),
        Surname("Gupta", "गुप्ता"),
        Surname("Jain", "जैन"),
        Surname("Jatav", "जाटव"),
        Surname("Joshi", "जोशी"),
        Surname("Kapoor", "कपूर"),
        Surname("Kashyap", "कश्यप"),
        Surname("Khanna", "खन्ना"),
        Surname("Kumar", "कुमार", female=("Devi", "देवी"), girl=("Kumari", "कुमारी")),
        Surname("Malhotra", "मल्होत्रा"),
        Surname("Mehra", "मेहरा"),
        Surname("Mishra", "मिश्रा"),
        Surname("Mittal", "मित्तल"),
        Surname("Negi", "नेगी"),
        Surname("Pandey", "पांडेय"),
        Surname("Paswan", "पासवान"),
        Surname("Prajapati", "प्रजापति"),
        Surname("Rana", "राणा"),
        Surname("Rathore", "राठौर"),
        Surname("Rawat", "रावत"),
        Surname("Saxena", "सक्सेना"),
        Surname("Sehrawat", "सहरावत"),
        Surname("Sethi", "सेठी"),
        Surname("Sharma", "शर्मा"),
        Surname("Solanki", "सोलंकी"),
        Surname("Srivastava", "श्रीवास्तव"),
        Surname("Thakur", "ठाकुर"),
        Surname("Tiwari", "तिवारी"),
        Surname("Tyagi", "त्यागी"),
        Surname("Verma", "वर्मा"),
        Surname("Yadav", "यादव"),
    ),
)

MUSLIM = NameGroup(
    key="muslim",
    weight=18,
    male=(
        ("Aamir", "आमिर"),
        ("Anwar", "अनवर"),
        ("Arif", "आरिफ़"),
        ("Asif", "आसिफ़"),
        ("Danish", "दानिश"),
        ("Faizan", "फ़ैज़ान"),
        ("Farhan", "फ़रहान"),
        ("Imran", "इमरान"),
        ("Irfan", "इरफ़ान"),
        ("Javed", "जावेद"),
        ("Mohammad", "मोहम्मद"),
        ("Nadeem", "नदीम"),
        ("Rizwan", "रिज़वान"),
        ("Salman", "सलमान"),
        ("Sameer", "समीर"),
        ("Shahid", "शाहिद"),
        ("Sohail", "सोहेल"),
        ("Tariq", "तारिक़"),
        ("Wasim", "वसीम"),
        ("Zubair", "ज़ुबैर"),
    ),
    female=(
        ("Afreen", "आफ़रीन"),
        ("Ayesha", "आयशा"),
        ("Farah", "फ़राह"),
        ("Fatima", "फ़ातिमा"),
        ("Gulnaz", "गुलनाज़"),
        ("Heena", "हिना"),
        ("Nargis", "नरगिस"),
        ("Nazia", "नाज़िया"),
        ("Noor", "नूर"),
        ("Rubina", "रुबीना"),
        ("Rukhsar", "रुख़सार"),
        ("Salma", "सलमा"),
        ("Sana", "सना"),
        ("Shabana", "शबाना"),
        ("Shabnam", "शबनम"),
        ("Shaheen", "शाहीन"),
        ("Tabassum", "तबस्सुम"),
        ("Yasmin", "यास्मीन"),
        ("Zainab", "ज़ैनब"),
        ("Zoya", "ज़ोया"),
    ),
    surnames=(
        Surname("Akhtar", "अख़्तर"),
        Surname("Ansari", "अंसारी"),
        Surname("Hussain", "हुसैन"),
        Surname("Khan", "ख़ान"),
        Surname("Malik", "मलिक"),
        Surname("Mirza", "मिर्ज़ा"),
        Surname("Qureshi", "क़ुरैशी"),
        Surname("Rizvi", "रिज़वी"),
        Surname("Saifi", "सैफ़ी"),
        Surname("Shaikh", "शेख़"),
        Surname("Siddiqui", "सिद्दीक़ी"),
    ),
)

SIKH = NameGroup(
    key="sikh",
    weight=10,
    male=(
        ("Amarjeet", "अमरजीत"),
        ("Baljeet", "बलजीत"),
        ("Gurcharan", "गुरचरण"),
        ("Gurdeep", "गुरदीप"),
        ("Harbhajan", "हरभजन"),
        ("Harjeet", "हरजीत"),
        ("Jagdeep", "जगदीप"),
        ("Jasbir", "जसबीर"),
        ("Kuldeep", "कुलदीप"),
        ("Paramjit", "परमजीत"),
        ("Ranjit", "रंजीत"),
        ("Sukhwinder", "सुखविंदर"),
        ("Tejinder", "तेजिंदर"),
    ),
    female=(
        ("Gurleen", "गुरलीन"),
        ("Harleen", "हरलीन"),
        ("Jasleen", "जसलीन"),
        ("Mehak", "महक"),
        ("Satwant", "सतवंत"),
        ("Simran", "सिमरन"),
        ("Tavleen", "तवलीन"),
    ),
    surnames=(
        # Singh twice: by far the most common Sikh surname.
        Surname("Singh", "सिंह", female=("Kaur", "कौर")),
        Surname("Singh", "सिंह", female=("Kaur", "कौर")),
        Surname("Bedi", "बेदी"),
        Surname("Chadha", "चड्ढा"),
        Surname("Gill", "गिल"),
        Surname("Grewal", "ग्रेवाल"),
        Surname("Kohli", "कोहली"),
        Surname("Sandhu", "संधू"),
        Surname("Sodhi", "सोढ़ी"),
    ),
)

NAME_GROUPS: tuple[NameGroup, ...] = (HINDU, MUSLIM, SIKH)

# Doctors' names carry the title in both scripts.
DOCTOR_TITLE: Pair = ("Dr.", "डॉ.")
