# ruff: noqa: E501  (a data module: one written prompt per line)
"""Prompts written for lg-router (MIT) to fill gaps the public sources leave.

The public sets have few greetings, one-line extractions, open questions or requests in
languages other than English and Chinese. These templates combine short frames with
slot values, deterministically (a seeded RNG), so the same build gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from evals.training.sources import Row

SIMPLE_EN = [
    "hi", "hello", "hey there", "good morning", "thanks!", "thank you so much", "ok", "yes", "bye",
    "What is {a}+{b}?", "What is {a} times {b}?", "what's {a} minus {b}", "How much is {a} divided by {c}?",
    "Is {n} an even number?", "Is {n} a prime number? Yes or no.", "Is the Earth round? Answer yes or no.",
    "What is the capital of {country}?", "Which continent is {country} in?", "What currency does {country} use?",
    "What does {acro} stand for?", "How many days are in a leap year?", "What year did World War II end?",
    "Who wrote {book}?", "How do you spell '{word}'?", "What is the plural of '{word}'?",
    "Convert {a} kilometers to miles.", "How many grams are in a kilogram?", "What is the boiling point of water?",
    "Extract the email address from this line: 'Contact {name} at {email} for details.'",
    "Extract the date from: 'The invoice was issued on {date} and is due in 30 days.'",
    "Pull the phone number out of this text: 'Call {name} on {phone} after 5pm.'",
    "What is the name of the person in this sentence: '{name} joined the team last week.'",
    "Classify the sentiment of this review as positive or negative: '{review}'",
    "Label this message as spam or not spam: '{spam}'",
    "Is this sentence a question or a statement? '{review}'",
    "Give me a synonym for '{word}'.", "What is the opposite of '{adj}'?", "Define '{word}' in one sentence.",
    "Return only the city from this address: '{address}'", "Which of these is a fruit: carrot, apple, potato?",
    "True or false: the sun rises in the west.", "What time zone is {city} in?", "What language is spoken in {country}?",
    "List the colors of the {country} flag.", "What is {a}% of {b}?", "Round {f} to one decimal place.",
    "Reply with just the number: how many legs does a spider have?", "Name the largest planet in the solar system.",
    "From the text 'Order #{n} shipped to {name}', what is the order number?",
    "Sort these words alphabetically: {word}, {adj}, apple, zebra.", "Is '{word}' a noun or a verb?",
    "What is {a} + {b}?", "Thanks! And what is {a} + {b}?", "Quick one: what's {a} x {b}?", "{a} + {b} = ?",
    "Thank you. One more: what is {a} - {b}?", "Great, and how much is {a} * {b}?",
]  # fmt: skip
GENERAL_EN = [
    "Write a short poem about {topic}.", "Write a friendly email to my manager asking for {request}.",
    "Draft a LinkedIn post announcing {news}.", "Write a blog post introduction about {topic}.",
    "Explain {concept} to a ten-year-old.", "Explain how {concept} works.", "What are the pros and cons of {choice}?",
    "Give me five tips for {activity}.", "Help me plan a three-day trip to {city}.",
    "Summarize the main ideas behind {concept} in a paragraph.", "Write a product description for {product}.",
    "Brainstorm ten names for a {business}.", "Write a cover letter for a {job} position.",
    "What should I consider when choosing {choice}?", "Describe the history of {topic} briefly.",
    "Write a story that begins with: '{opening}'", "Compose a toast for my friend's wedding; they love {topic}.",
    "How can I improve my {skill}?", "Write a persuasive paragraph arguing for {choice}.",
    "Rewrite this to sound more professional: '{casual}'", "Suggest a weekly meal plan for a vegetarian.",
    "What are good ways to stay motivated while {activity}?", "Write a thank-you note to a teacher who helped me with {skill}.",
    "Compare {choice} in a short essay.", "Act as a travel guide and describe {city}.",
    "Write song lyrics about {topic}.", "Give me an outline for a presentation on {concept}.",
    "Why do people enjoy {activity}?", "Write a haiku about {topic}.", "Create a workout plan for a beginner.",
    "Imagine you are {persona}. Describe your typical day.", "Pretend to be {persona} and give a short speech about {topic}.",
    "Describe a vivid and memorable character who loves {topic}.", "Create a lesson plan that teaches {concept} to high school students.",
    "Share ideas for a community event about {topic}.", "Outline the main stages of {concept}.",
    "What are the cultural and social effects of {choice}?", "Discuss the ethical questions raised by {concept}.",
    "How would you explain {concept} to someone who has never heard of it?", "What advice would you give to someone {activity}?",
    "Write a dialogue between two friends arguing about {choice}.", "Suggest a reading list for someone interested in {topic}.",
    "What are the main differences between {pair}?", "Describe the role of {concept} in everyday life.",
    "Write a speech for a graduation ceremony about {topic}.", "Give me feedback on this opening line: '{opening}'",
    "Help me write a respectful complaint to my landlord about {problem}.", "Why is {concept} important for society?",
    "As a {job}, how would you handle {problem}?", "Write a short mystery story set in {city}.",
    "How can I get better at {skill}?", "What are the most effective ways to {goal}?", "How do I start {activity}?",
    "What are some creative ways to {goal}?", "Why do some people prefer {choice}?", "What if {counterfactual}?",
    "How does {concept} affect our daily lives?", "Is {debate}?", "What makes a good {role}?",
    "What are some fun things to do in {city}?", "How should I prepare for {event}?", "What do you think about {choice}?",
    "Can you give me some ideas for {occasion}?", "How has {concept} changed over the last century?",
    "What are the benefits and drawbacks of {choice}?", "What would happen if {counterfactual}?",
    "Why is it hard to {goal}?", "In your opinion, what is the best way to {goal}?",
    "What is {concept}, and why does it matter?", "How do {concept} and {concept} relate to each other?",
]  # fmt: skip
REASONING_EN = [
    "If all {x} are {y} and some {y} are {z}, must some {x} be {z}? Explain your reasoning.",
    "{p1} is taller than {p2}, and {p2} is taller than {p3}. Who is the shortest? Show the steps.",
    "A train leaves at {h}:00 travelling {a} km/h; another leaves an hour later at {b} km/h on the same track. When does the second catch up?",
    "Prove that the sum of two odd numbers is even.", "Solve for x: {a}x + {b} = {c}.",
    "Find all real solutions of x^2 - {s}x + {p} = 0.", "What is the next number in the sequence {seq}? Explain the pattern.",
    "A bag has {a} red and {b} blue balls. Two are drawn without replacement. What is the probability both are red?",
    "How many ways can {a} people sit around a round table?", "Compute the derivative of x^{a} * sin(x).",
    "Evaluate the integral of {a}x^2 from 0 to {b}.", "{p1} always lies and {p2} always tells the truth. {p1} says '{p2} is a liar.' Who is who?",
    "If it takes {a} machines {a} minutes to make {a} widgets, how long do {b} machines take to make {b} widgets?",
    "A rectangle has perimeter {c} and its length is {a} more than its width. Find its area.",
    "Is {n} divisible by 3? Prove it without dividing.", "What is the remainder when 2^{n} is divided by 7? Show your work.",
    "Three boxes are labelled wrongly: apples, oranges, mixed. You may take one fruit from one box. How do you relabel them?",
    "Find the greatest common divisor of {n} and {c}, step by step.",
    "A shop discounts a price by {a}% and then raises it by {a}%. Is the final price higher or lower than the original? By how much?",
    "Determine whether the argument is valid: if it rains the ground is wet; the ground is wet; so it rained.",
    "How many positive divisors does {n} have?", "How many primes are there between {a} and {c}?",
    "What is the least common multiple of {a} and {b}?", "What is the sum of the digits of 2^{a}?",
    "How many integers x satisfy |x - {a}| < {b}?", "What is the units digit of 7^{n}?",
    "In how many ways can you choose {s} items from {a}?", "What is the smallest n such that n! has more than {b} digits?",
    "Find the area of a triangle with vertices (0, 0), ({s}, 0) and (0, {p}).", "Simplify ({a}x^2 - {b}x) / x.",
    "{p1} bought {product} for ${c}. That price already includes a {a}% discount. What was the price before the discount?",
    "{p1} earns ${b} a day and saves a third of it. How many days until {p1} can pay for a ${c} bike?",
    "{p1} has {a} marbles. {p2} has {b} more than twice as many. How many marbles do they have together?",
    "A recipe needs {s} eggs for every {h} cookies. {p1} wants to bake {c} cookies. How many eggs are needed?",
    "{p1} reads {a} pages on Monday and twice as many on Tuesday. The book has {n} pages. How many pages are left?",
    "{p1} sells lemonade at ${s} a cup and spent ${b} on supplies. How many cups must {p1} sell to make ${c} of profit?",
    "Pencils come in packs of {s}. {p1} needs {c} pencils for a class. How many packs must be bought, and how many pencils are left over?",
    "{p1} is {a} years old and {p2} is {s} years younger. In how many years will their ages add up to {c}?",
]  # fmt: skip
CODING_EN = [
    "Write a Python function that {fn}.", "Write a JavaScript function to {fn}.", "Implement {algo} in {lang}.",
    "Write a SQL query that returns {sql}.", "Write a regular expression that matches {regex}.",
    "Why does this {lang} code fail?\n\n```\n{code}\n```", "Refactor this code to be more readable:\n\n{code}",
    "Add type hints and docstrings to this function:\n\n```\n{code}\n```", "Write unit tests for this code:\n\n{code}",
    "Explain what this code does, line by line:\n\n```\n{code}\n```", "Convert this snippet to {lang}:\n\n{code}",
    "Write a bash command to {shell}.", "How do I {shell} from the command line?", "Fix the bug in this function:\n\n{code}",
    "Create a REST endpoint in {lang} that {fn}.", "Optimise this loop; it is too slow:\n\n```\n{code}\n```",
    "Write a class in {lang} that models a {product} with methods to add and remove items.",
    "What is the time complexity of {algo}? Write it in {lang}.", "Review this pull request diff and point out bugs:\n\n{code}",
    "Write a Dockerfile for a {lang} web service.",
    "Help me {codeverb} this code.", "Can you {codeverb} my {lang} script?", "Please {codeverb} the function I wrote.",
    "My {lang} program is too slow, how do I speed it up?", "How do I fix a null pointer exception in {lang}?",
    "Why does my {lang} build fail with a linker error?", "What's the best way to structure a {lang} project?",
    "How do I read a JSON file in {lang}?", "Help me write a unit test for my API client.", "Review my code for security issues.",
    "{techhow}", "Quick question: {techhow}", "{techhow} Nothing I tried works.", "{techhow} A short example would help.",
]  # fmt: skip

SLOTS: dict[str, list[str]] = {
    "country": ["France", "Japan", "Brazil", "Kenya", "Canada", "Norway", "India", "Peru", "Egypt", "Vietnam"],
    "acro": ["NASA", "HTTP", "CPU", "UNESCO", "DNA", "GDP", "FAQ", "PDF"],
    "book": ["Pride and Prejudice", "1984", "Don Quixote", "The Odyssey", "Hamlet", "War and Peace"],
    "word": ["necessary", "embarrass", "rhythm", "child", "mouse", "analysis", "quickly", "harbor"],
    "adj": ["ancient", "bright", "generous", "narrow", "fragile", "loud"],
    "name": ["Maria Lopez", "John Smith", "Aiko Tanaka", "Omar Haddad", "Priya Nair", "Lena Fischer"],
    "email": ["maria.lopez@example.com", "j.smith@example.org", "aiko@example.net", "omar.h@example.com"],
    "date": ["March 3, 2024", "2023-11-17", "12 July 2022", "Jan 9th"],
    "phone": ["+1 415 555 0134", "(020) 7946 0958", "555-0199"],
    "review": ["The product arrived on time and works great", "Terrible service, never again",
               "It was fine, nothing special", "Absolutely loved the food"],
    "spam": ["You won a free cruise! Click here now", "Lunch at noon tomorrow?", "URGENT: verify your account"],
    "address": ["221B Baker Street, London NW1 6XE", "1600 Amphitheatre Pkwy, Mountain View, CA", "5 Rue de Rivoli, Paris"],
    "city": ["Lisbon", "Kyoto", "Cape Town", "Montreal", "Istanbul", "Hanoi", "Prague", "Buenos Aires"],
    "topic": ["autumn leaves", "the ocean", "friendship", "city life at night", "coffee", "old libraries",
              "space exploration", "a rainy Sunday", "gardening", "jazz"],
    "request": ["a day off next Friday", "feedback on my report", "a flexible schedule", "a training budget"],
    "news": ["our new office in Berlin", "my promotion to team lead", "the launch of our mobile app"],
    "concept": ["photosynthesis", "inflation", "the immune system", "blockchain", "climate change",
                "supply and demand", "the water cycle", "how vaccines work", "compound interest", "democracy"],
    "choice": ["renting versus buying a home", "remote work", "electric cars", "public schools versus private schools",
               "learning piano versus guitar", "a gap year"],
    "activity": ["learning a language", "running a marathon", "working from home", "saving money", "studying for exams"],
    "product": ["a reusable water bottle", "noise-cancelling headphones", "a standing desk", "a library"],
    "business": ["coffee shop", "bakery", "bike repair shop", "podcast about history"],
    "job": ["marketing coordinator", "nurse", "data analyst", "teacher"],
    "opening": ["The door had been locked for forty years.", "Nobody noticed when the clocks stopped."],
    "skill": ["public speaking", "writing", "time management", "English pronunciation"],
    "casual": ["hey, can u send me the file asap", "sorry im late, traffic was nuts"],
    "x": ["cats", "squares", "poets", "students"], "y": ["mammals", "rectangles", "dreamers", "readers"],
    "z": ["pets", "rhombuses", "artists", "athletes"],
    "p1": ["Alice", "Tom", "Ravi", "Mei"], "p2": ["Bob", "Sara", "Ken", "Lucia"], "p3": ["Carol", "Ivan", "Noor", "Pablo"],
    "seq": ["2, 6, 12, 20, 30", "1, 1, 2, 3, 5, 8", "3, 9, 27, 81", "1, 4, 9, 16, 25"],
    "fn": ["reverses a linked list", "checks whether a string is a palindrome", "merges two sorted lists",
           "parses a CSV file and sums a column", "returns the n-th Fibonacci number", "validates an email address",
           "removes duplicates from a list while keeping order", "counts word frequencies in a file"],
    "algo": ["binary search", "quicksort", "Dijkstra's algorithm", "a LRU cache", "breadth-first search", "a trie"],
    "lang": ["Python", "TypeScript", "Go", "Rust", "Java", "C++", "Ruby", "Kotlin"],
    "sql": ["the top five customers by total order value", "all employees hired after 2020 with their department",
            "the number of orders per month in 2023"],
    "regex": ["a US ZIP code", "an ISO date like 2024-01-31", "a hex color code"],
    "shell": ["find all files larger than 100MB", "count lines in every .py file", "kill the process on port 8080",
              "rename all .jpeg files to .jpg"],
    "code": [
        "def avg(xs):\n    return sum(xs) / len(xs)\n\nprint(avg([]))",
        "for i in range(len(items)):\n    if items[i] == target:\n        return i",
        "const total = orders.map(o => o.price).reduce((a, b) => a + b);",
        "SELECT name, COUNT(*) FROM users JOIN orders ON users.id = orders.user_id;",
        "public int sum(int[] a) { int s = 0; for (int i = 0; i <= a.length; i++) s += a[i]; return s; }",
        "let mut v = Vec::new();\nfor x in 0..10 { v.push(x * 2); }\nprintln!(\"{:?}\", v);",
    ],
    "persona": ["a medieval knight", "a time traveler from the year 3000", "a famous chef", "a ship's captain",
                "Sherlock Holmes", "a tour guide in ancient Rome"],
    "pair": ["a virus and a bacterium", "weather and climate", "socialism and capitalism", "baroque and classical music"],
    "problem": ["a noisy neighbour", "a broken heater", "a missed deadline", "an unhappy customer"],
    "goal": ["deal with stress", "save for retirement", "make new friends as an adult", "learn to cook",
             "stay focused while studying", "reduce food waste", "sleep better", "become a better listener"],
    "counterfactual": ["the printing press had never been invented", "humans could photosynthesize",
                       "the Roman Empire had never fallen", "everyone worked four days a week"],
    "debate": ["beauty objective or subjective", "social media good for teenagers", "homework useful",
               "it better to rent or to buy", "space exploration worth the cost"],
    "role": ["manager", "teacher", "friend", "team captain", "coffee shop"],
    "event": ["a job interview", "a marathon", "moving abroad", "a first day at a new school"],
    "occasion": ["a birthday party", "a rainy weekend", "a team-building day", "an anniversary dinner"],
    "techhow": [
        "In MySQL, how do I find rows that appear more than once in a column?",
        "How do I compute a 7-day moving average per customer in pandas?",
        "In git, how do I undo the last commit but keep my changes?",
        "How do I center a div horizontally and vertically with CSS?",
        "In React, how do I update state based on the previous state?",
        "How can I mount a host folder into a Docker container?",
        "How do I make a Kubernetes deployment restart its pods?",
        "In SQLite, how do I add a column with a default value to an existing table?",
        "How do I stream a large file line by line in Node.js?",
        "In Excel VBA, how do I loop over every sheet in a workbook?",
        "How can I retry a failed HTTP request with exponential backoff in Go?",
        "In Rust, how do I share a HashMap between threads?",
        "How do I rank rows within each group in SQL Server?",
        "How do I configure nginx to proxy /api to a local port?",
        "In Django, how do I filter a queryset by a date range?",
        "How do I convert a Unix timestamp to a date in JavaScript?",
        "In bash, how do I loop over files whose names contain spaces?",
        "How can I profile memory usage of a Java application?",
        "In Spark, how do I join two DataFrames on several columns?",
        "How do I write a GitHub Actions job that caches pip packages?",
        "In TypeScript, how do I type a function that accepts either a string or an array of strings?",
        "How do I pivot monthly sales into columns in PostgreSQL?",
        "How can I read an environment variable with a fallback in C#?",
        "In Kotlin, how do I sort a list of objects by two fields?",
    ],
    "codeverb": ["optimize", "debug", "refactor", "review", "speed up", "clean up", "document", "fix"],
    "h": ["8", "9", "10"], "s": ["5", "7", "9"], "p": ["6", "10", "14"],
}  # fmt: skip
NUMBERS = {"a": range(2, 60), "b": range(2, 90), "c": range(20, 200), "n": range(11, 999), "f": None}

# Requests in other languages, by task; {code} is a code snippet.
FOREIGN: dict[str, dict[str, list[str]]] = {
    "ja": {
        "simple": ["こんにちは", "ありがとう", "フランスの首都はどこですか？", "3たす5はいくつですか？", "この文からメールアドレスを抜き出してください：連絡先は tanaka@example.jp です。",
                   "次のレビューは肯定的ですか否定的ですか：「とても良かった」", "富士山の高さは何メートルですか？", "「りんご」を英語で言うと？"],
        "general": ["ソクラテスの哲学は現代にどのような影響を与えていますか？", "在宅勤務で集中力を保つにはどうすればいいですか？", "量子コンピュータとは何ですか？わかりやすく教えてください。", "あなたが有名な料理人だと想像して、おすすめの料理を紹介してください。", "なぜ日本人は桜を大切にするのでしょうか？", "春についての短い詩を書いてください。", "上司に休暇を申請する丁寧なメールを書いてください。", "日本の茶道について簡単に説明してください。",
                    "在宅勤務のメリットとデメリットを教えてください。", "京都の三日間の旅行プランを立ててください。", "健康的な朝食のアイデアを五つ挙げてください。"],
        "coding": ["次のコードのバグを直してください：\n\n{code}", "このコードが何をしているか説明してください：\n\n```\n{code}\n```", "Pythonで二分探索を実装してください。",
                   "配列の重複を取り除く関数をJavaScriptで書いてください。", "SQLで売上上位5件の顧客を取得するクエリを書いてください。"],
    },
    "zh": {
        "simple": ["你好", "谢谢", "法国的首都是哪里？", "7加8等于多少？", "请从这句话中提取电话号码：请拨打 138-0000-1234 联系我。", "这条评论是正面还是负面的：“质量太差了”",
                   "一年有几个月？", "“苹果”的英文是什么？"],
        "general": ["如何提高自己的时间管理能力？", "人工智能会如何改变教育？", "为什么睡眠对健康很重要？", "假设你是一名导游，介绍一下北京的名胜古迹。", "写一首关于秋天的短诗。", "帮我给老师写一封感谢信。", "介绍一下中国的春节习俗。", "远程办公有哪些优缺点？", "请给我一些提高写作能力的建议。"],
        "coding": ["请修复下面代码中的错误：\n\n{code}", "解释这段代码的作用：\n\n```\n{code}\n```", "用Python写一个快速排序函数。", "写一个SQL查询，统计每个月的订单数量。",
                   "如何用正则表达式匹配邮箱地址？请给出代码。"],
    },
    "ko": {
        "simple": ["안녕하세요", "감사합니다", "프랑스의 수도는 어디인가요?", "4 더하기 9는 얼마인가요?", "다음 문장에서 이메일 주소를 추출하세요: 문의는 kim@example.kr 로 주세요.",
                   "이 리뷰는 긍정인가요 부정인가요: \"정말 최고예요\""],
        "general": ["스트레스를 줄이는 좋은 방법은 무엇인가요?", "인공지능은 우리의 일상을 어떻게 바꾸고 있나요?", "조선 시대의 문화에 대해 설명해 주시겠어요?", "당신이 유명한 작가라고 상상하고 글쓰기 조언을 해 주세요.", "가을에 관한 짧은 시를 써 주세요.", "팀장님께 보낼 휴가 신청 이메일을 작성해 주세요.", "한국의 추석 문화를 설명해 주세요.", "운동을 꾸준히 하는 방법을 알려 주세요."],
        "coding": ["다음 코드의 버그를 고쳐 주세요:\n\n{code}", "이 코드가 무엇을 하는지 설명해 주세요:\n\n```\n{code}\n```", "파이썬으로 이진 탐색을 구현해 주세요.", "자바스크립트로 배열을 정렬하는 함수를 작성하세요."],
    },
    "de": {
        "simple": ["Hallo", "Danke schön", "Was ist die Hauptstadt von Frankreich?", "Wie viel ist 6 mal 7?", "Extrahiere die E-Mail-Adresse aus diesem Satz: Schreiben Sie an max@example.de.",
                   "Ist diese Bewertung positiv oder negativ: „Das Essen war kalt“?", "Wie viele Tage hat eine Woche?"],
        "general": ["Wie kann ich meine Zeit besser einteilen?", "Warum ist Schlaf so wichtig für die Gesundheit?", "Was sind die Folgen des Klimawandels für Europa?", "Schreibe ein kurzes Gedicht über den Winter.", "Schreibe eine höfliche E-Mail an meinen Vermieter wegen der Heizung.", "Erkläre mir die Geschichte der Berliner Mauer.",
                    "Welche Vor- und Nachteile hat das Homeoffice?", "Gib mir Tipps für ein Vorstellungsgespräch."],
        "coding": ["Behebe den Fehler in diesem Code:\n\n{code}", "Erkläre, was dieser Code macht:\n\n```\n{code}\n```", "Schreibe eine Python-Funktion, die prüft, ob eine Zahl eine Primzahl ist.",
                   "Wie schreibe ich eine SQL-Abfrage, die alle Kunden aus Berlin ausgibt?", "Implementiere eine verkettete Liste in Java."],
    },
    "fr": {
        "simple": ["Bonjour", "Merci beaucoup", "Quelle est la capitale de l'Italie ?", "Combien font 12 plus 30 ?", "Extrais la date de cette phrase : la réunion aura lieu le 4 mars.",
                   "Cet avis est-il positif ou négatif : « Service impeccable » ?", "Combien y a-t-il de jours en février ?"],
        "general": ["Comment puis-je améliorer ma concentration ?", "Pourquoi la lecture est-elle importante pour les enfants ?", "Quelles sont les conséquences de l'urbanisation ?", "Écris un petit poème sur la mer.", "Rédige un e-mail pour remercier un collègue.", "Explique-moi la Révolution française simplement.",
                    "Quels sont les avantages du vélo en ville ?", "Donne-moi des idées de cadeaux pour ma mère."],
        "coding": ["Corrige le bug dans ce code :\n\n{code}", "Explique ce que fait ce code :\n\n```\n{code}\n```", "Écris une fonction Python qui inverse une chaîne.",
                   "Comment écrire une requête SQL qui compte les commandes par client ?", "Implémente un tri fusion en C++."],
    },
    "es": {
        "simple": ["Hola", "Gracias", "¿Cuál es la capital de Alemania?", "¿Cuánto es 9 por 4?", "Extrae el número de teléfono de este texto: llámame al 600 123 456.",
                   "¿Esta reseña es positiva o negativa: «Muy mala experiencia»?", "¿Cuántos continentes hay?"],
        "general": ["¿Cómo puedo mejorar mi productividad trabajando desde casa?", "¿Por qué es importante el reciclaje?", "¿Qué opinas de las redes sociales?", "Escribe un poema corto sobre la lluvia.", "Redacta un correo para pedir una reunión con mi jefe.", "Explícame cómo funciona la fotosíntesis.",
                    "¿Qué ventajas tiene aprender un segundo idioma?", "Dame consejos para dormir mejor."],
        "coding": ["Corrige el error de este código:\n\n{code}", "Explica qué hace este código:\n\n```\n{code}\n```", "Escribe una función en Python que calcule el factorial.",
                   "¿Cómo hago una consulta SQL que devuelva los productos más vendidos?", "Implementa una pila en JavaScript."],
    },
    "pt": {
        "simple": ["Olá", "Obrigado", "Qual é a capital do Japão?", "Quanto é 15 menos 7?", "Extraia o e-mail desta frase: fale com ana@example.com.br.", "Quantas horas tem um dia?"],
        "general": ["Escreva um poema curto sobre o mar.", "Escreva um e-mail pedindo férias ao meu gerente.", "Explique a história do Carnaval no Brasil.", "Dê dicas para economizar dinheiro."],
        "coding": ["Corrija o erro neste código:\n\n{code}", "Explique o que este código faz:\n\n```\n{code}\n```", "Escreva uma função em Python que ordene uma lista.", "Como criar uma tabela em SQL com chave primária?"],
    },
    "it": {
        "simple": ["Ciao", "Grazie", "Qual è la capitale della Spagna?", "Quanto fa 8 più 5?", "Estrai la data da questa frase: la consegna è prevista il 10 maggio.", "Quanti giorni ha settembre?"],
        "general": ["Scrivi una breve poesia sull'estate.", "Scrivi una email per ringraziare un cliente.", "Spiegami la storia del Rinascimento.", "Quali sono i benefici della dieta mediterranea?"],
        "coding": ["Correggi il bug in questo codice:\n\n{code}", "Spiega cosa fa questo codice:\n\n```\n{code}\n```", "Scrivi una funzione Python che conti le vocali.", "Come si scrive una query SQL con JOIN?"],
    },
    "ru": {
        "simple": ["Привет", "Спасибо", "Какая столица Франции?", "Сколько будет 7 плюс 6?", "Извлеки адрес почты из строки: пишите на ivan@example.ru.", "Этот отзыв положительный или отрицательный: «Ужасно»?"],
        "general": ["Как научиться лучше управлять своим временем?", "Почему важно изучать историю?", "Что такое искусственный интеллект и как он влияет на общество?", "Напиши короткое стихотворение о зиме.", "Составь письмо коллеге с благодарностью.", "Расскажи об истории Санкт-Петербурга.", "Какие плюсы и минусы у удалённой работы?"],
        "coding": ["Исправь ошибку в этом коде:\n\n{code}", "Объясни, что делает этот код:\n\n```\n{code}\n```", "Напиши функцию на Python, которая сортирует словарь по значениям.", "Как написать SQL-запрос для подсчёта строк?"],
    },
    "ar": {
        "simple": ["مرحبا", "شكرا", "ما هي عاصمة فرنسا؟", "كم يساوي ٥ زائد ٣؟", "استخرج البريد الإلكتروني من هذه الجملة: راسلني على ali@example.com"],
        "general": ["اكتب قصيدة قصيرة عن البحر.", "اكتب رسالة شكر إلى معلمي.", "اشرح لي أهمية النوم الجيد.", "ما هي فوائد القراءة؟"],
        "coding": ["أصلح الخطأ في هذا الكود:\n\n{code}", "اشرح ماذا يفعل هذا الكود:\n\n```\n{code}\n```", "اكتب دالة بلغة بايثون تحسب مجموع قائمة."],
    },
    "hi": {
        "simple": ["नमस्ते", "धन्यवाद", "भारत की राजधानी क्या है?", "6 और 4 का जोड़ क्या है?", "इस वाक्य से फ़ोन नंबर निकालिए: मुझे 98765 43210 पर कॉल करें।"],
        "general": ["बारिश पर एक छोटी कविता लिखिए।", "अपने बॉस को छुट्टी के लिए एक ईमेल लिखिए।", "दिवाली के त्योहार के बारे में बताइए।", "अच्छी नींद के लिए सुझाव दीजिए।"],
        "coding": ["इस कोड में बग ठीक कीजिए:\n\n{code}", "यह कोड क्या करता है, समझाइए:\n\n```\n{code}\n```", "पायथन में एक फ़ंक्शन लिखिए जो सूची को उलट दे।"],
    },
    "vi": {
        "simple": ["Xin chào", "Cảm ơn", "Thủ đô của Nhật Bản là gì?", "5 cộng 9 bằng mấy?", "Trích xuất email từ câu này: liên hệ lan@example.vn."],
        "general": ["Viết một bài thơ ngắn về mùa thu.", "Viết email xin nghỉ phép gửi quản lý.", "Giải thích về Tết Nguyên Đán.", "Cho tôi lời khuyên để học tiếng Anh."],
        "coding": ["Sửa lỗi trong đoạn mã này:\n\n{code}", "Giải thích đoạn mã này làm gì:\n\n```\n{code}\n```", "Viết hàm Python tính giai thừa."],
    },
    "tr": {
        "simple": ["Merhaba", "Teşekkürler", "Fransa'nın başkenti neresidir?", "8 artı 9 kaç eder?"],
        "general": ["Deniz hakkında kısa bir şiir yaz.", "Müdürüme izin isteyen bir e-posta yaz.", "İstanbul'un tarihini anlat."],
        "coding": ["Bu koddaki hatayı düzelt:\n\n{code}", "Bu kodun ne yaptığını açıkla:\n\n```\n{code}\n```", "Python'da bir listeyi ters çeviren fonksiyon yaz."],
    },
    "pl": {
        "simple": ["Cześć", "Dziękuję", "Jaka jest stolica Włoch?", "Ile to jest 7 razy 8?"],
        "general": ["Napisz krótki wiersz o jesieni.", "Napisz e-mail z prośbą o urlop.", "Opowiedz o historii Krakowa."],
        "coding": ["Popraw błąd w tym kodzie:\n\n{code}", "Wyjaśnij, co robi ten kod:\n\n```\n{code}\n```", "Napisz funkcję w Pythonie, która liczy silnię."],
    },
    "nl": {
        "simple": ["Hoi", "Dank je wel", "Wat is de hoofdstad van Spanje?", "Hoeveel is 4 plus 11?"],
        "general": ["Schrijf een kort gedicht over de zee.", "Schrijf een e-mail aan mijn huisbaas over de lekkage.", "Leg uit hoe windmolens werken."],
        "coding": ["Los de fout in deze code op:\n\n{code}", "Leg uit wat deze code doet:\n\n```\n{code}\n```", "Schrijf een Python-functie die een lijst sorteert."],
    },
    "id": {
        "simple": ["Halo", "Terima kasih", "Apa ibu kota Jepang?", "Berapa 9 tambah 3?"],
        "general": ["Tulis puisi pendek tentang hujan.", "Tulis email untuk meminta cuti kepada atasan.", "Jelaskan tentang budaya Bali."],
        "coding": ["Perbaiki bug di kode ini:\n\n{code}", "Jelaskan apa yang dilakukan kode ini:\n\n```\n{code}\n```", "Tulis fungsi Python untuk menghitung rata-rata."],
    },
    "th": {
        "simple": ["สวัสดี", "ขอบคุณ", "เมืองหลวงของญี่ปุ่นคืออะไร", "3 บวก 4 เท่ากับเท่าไร"],
        "general": ["เขียนกลอนสั้นๆ เกี่ยวกับทะเล", "เขียนอีเมลขอลาพักร้อนถึงหัวหน้า", "อธิบายประเพณีสงกรานต์"],
        "coding": ["แก้บั๊กในโค้ดนี้:\n\n{code}", "อธิบายว่าโค้ดนี้ทำอะไร:\n\n```\n{code}\n```", "เขียนฟังก์ชัน Python เพื่อหาค่าสูงสุดในลิสต์"],
    },
    "uk": {
        "simple": ["Привіт", "Дякую", "Яка столиця Польщі?", "Скільки буде 5 помножити на 6?"],
        "general": ["Напиши короткий вірш про весну.", "Напиши лист подяки вчителю.", "Розкажи про історію Києва."],
        "coding": ["Виправ помилку в цьому коді:\n\n{code}", "Поясни, що робить цей код:\n\n```\n{code}\n```", "Напиши функцію на Python, яка рахує суму списку."],
    },
}  # fmt: skip


def _table(rng: random.Random) -> str:
    rows = ["date,item,units,total"]
    for day in range(1, rng.randint(4, 8)):
        units = rng.randint(1, 90)
        rows.append(
            f"2023-0{rng.randint(1, 9)}-{day:02d},{rng.choice(SLOTS['product'])},{units},{units * 3.5:.2f}"
        )
    return "\n".join(rows)


def _fill(frame: str, rng: random.Random, extra: dict[str, str] | None = None) -> str:
    values: dict[str, str] = dict(extra or {})
    if "{table}" in frame:
        values["table"] = _table(rng)
    for key, options in SLOTS.items():
        if "{" + key + "}" in frame and key not in values:
            values[key] = rng.choice(options)
    for key, span in NUMBERS.items():
        if "{" + key + "}" in frame:
            values[key] = f"{rng.uniform(1, 99):.3f}" if span is None else str(rng.choice(span))
    return frame.format(**values)


def written(snippets: dict[str, list[str]], *, seed: int = 7, per_frame: int = 8) -> Iterator[Row]:
    """The written prompts: English frames filled ``per_frame`` times, foreign ones with code."""
    rng = random.Random(seed)
    code_pool = [s for lang in sorted(snippets) for s in snippets[lang]]
    for task, frames in (("simple", SIMPLE_EN), ("general", GENERAL_EN), ("reasoning", REASONING_EN),
                         ("coding", CODING_EN)):  # fmt: skip
        for i, frame in enumerate(frames):
            copies = 1 if "{" not in frame else per_frame
            for k in range(copies):
                extra = {"code": rng.choice(code_pool)} if "{code}" in frame and code_pool and k % 2 else None
                yield Row(_fill(frame, rng, extra), task, "en", f"written for lg-router ({task} frame {i})")
    for language, tasks in FOREIGN.items():
        for task, prompts in tasks.items():
            for i, prompt in enumerate(prompts):
                copies = 3 if "{code}" in prompt else 1
                for _ in range(copies):
                    code = rng.choice(code_pool) if code_pool else SLOTS["code"][0]
                    text = prompt.replace("{code}", code)
                    yield Row(text, task, language, f"written for lg-router ({language} {task} {i})")


PASSAGE_EN = {
    "simple": [
        "{q}\n\n{passage}", "Given this paragraph, {q}\n\n{passage}", "{passage}\n\n{q}",
        "Answer in one word or a short phrase: {q}\n\n{passage}", "Extract all dates and years mentioned in the following text:\n\n{passage}",
        "List the names of the people or places mentioned in this passage:\n{passage}",
        "Classify the topic of this text as history, science, religion, work or philosophy:\n\n{passage}",
        "Is the following text about history? Answer yes or no.\n\n{passage}", "Return the first sentence of this text only:\n{passage}",
    ],
    "general": [
        "Summarize this text in three sentences:\n\n{passage}", "Rewrite the following paragraph in plain English:\n\n{passage}",
        "Write a short blog post inspired by this passage:\n\n{passage}", "Give this paragraph a catchy title and a short summary:\n\n{passage}",
        "Edit this paragraph for grammar, tone and clarity: {passage}", "Write a short essay responding to this passage:\n\n{passage}",
        "Turn this paragraph into a friendly newsletter item:\n\n{passage}",
    ],
    "reasoning": [
        "Identify the logical flaw, if any, in the argument of this passage and explain step by step:\n\n{passage}",
    ],
}  # fmt: skip
QUESTIONS_EN = ["what is the main topic?", "who is mentioned first?", "when did this happen?", "where did this take place?",
                "what is the key term introduced?", "which century is discussed?"]  # fmt: skip
TRANSLATE_EN = [
    "Translate this into {target}:\n\n{passage}",
    "Please translate the following text to {target}: {passage}",
]
TARGETS = [
    "French",
    "Japanese",
    "German",
    "Spanish",
    "Chinese",
    "Korean",
    "Italian",
    "Portuguese",
    "Russian",
    "Arabic",
]
# (summarise -> general, main topic -> simple, who/where is named -> simple), per language.
PASSAGE_FOREIGN: dict[str, tuple[str, str, str]] = {
    "ja": ("以下の文章を要約してください。\n\n{passage}", "この文章の主題は何ですか？\n\n{passage}", "次の文章に出てくる人名や地名を挙げてください：\n{passage}"),
    "zh": ("请总结以下内容：\n\n{passage}", "这段文字的主题是什么？\n\n{passage}", "列出下文中提到的人名和地名：\n{passage}"),
    "ko": ("다음 글을 요약해 주세요.\n\n{passage}", "이 글의 주제는 무엇인가요?\n\n{passage}", "다음 글에 나오는 사람이나 장소의 이름을 나열하세요:\n{passage}"),
    "de": ("Fasse den folgenden Text zusammen:\n\n{passage}", "Was ist das Hauptthema dieses Textes?\n\n{passage}", "Nenne die Personen oder Orte in diesem Text:\n{passage}"),
    "fr": ("Résume le texte suivant :\n\n{passage}", "Quel est le thème principal de ce texte ?\n\n{passage}", "Cite les personnes ou les lieux mentionnés :\n{passage}"),
    "es": ("Resume el siguiente texto:\n\n{passage}", "¿Cuál es el tema principal de este texto?\n\n{passage}", "Enumera las personas o lugares mencionados:\n{passage}"),
    "pt": ("Resuma o texto a seguir:\n\n{passage}", "Qual é o tema principal deste texto?\n\n{passage}", "Liste as pessoas ou lugares mencionados:\n{passage}"),
    "it": ("Riassumi il testo seguente:\n\n{passage}", "Qual è il tema principale di questo testo?\n\n{passage}", "Elenca le persone o i luoghi citati:\n{passage}"),
    "ru": ("Кратко перескажи следующий текст:\n\n{passage}", "Какова главная тема этого текста?\n\n{passage}", "Перечисли людей или места из текста:\n{passage}"),
    "ar": ("لخّص النص التالي:\n\n{passage}", "ما هو الموضوع الرئيسي لهذا النص؟\n\n{passage}", "اذكر الأشخاص أو الأماكن المذكورة:\n{passage}"),
    "hi": ("निम्नलिखित पाठ का सारांश लिखिए:\n\n{passage}", "इस पाठ का मुख्य विषय क्या है?\n\n{passage}", "इस पाठ में आए लोगों या स्थानों के नाम बताइए:\n{passage}"),
    "vi": ("Hãy tóm tắt đoạn văn sau:\n\n{passage}", "Chủ đề chính của đoạn văn này là gì?\n\n{passage}", "Liệt kê tên người hoặc địa danh được nhắc đến:\n{passage}"),
    "tr": ("Aşağıdaki metni özetle:\n\n{passage}", "Bu metnin ana konusu nedir?\n\n{passage}", "Metinde geçen kişi veya yerleri listele:\n{passage}"),
    "pl": ("Streść poniższy tekst:\n\n{passage}", "Jaki jest główny temat tego tekstu?\n\n{passage}", "Wymień osoby lub miejsca z tekstu:\n{passage}"),
    "nl": ("Vat de volgende tekst samen:\n\n{passage}", "Wat is het hoofdonderwerp van deze tekst?\n\n{passage}", "Noem de personen of plaatsen uit de tekst:\n{passage}"),
    "id": ("Ringkas teks berikut:\n\n{passage}", "Apa topik utama teks ini?\n\n{passage}", "Sebutkan nama orang atau tempat dalam teks:\n{passage}"),
    "th": ("สรุปข้อความต่อไปนี้\n\n{passage}", "หัวข้อหลักของข้อความนี้คืออะไร\n\n{passage}", "ระบุชื่อบุคคลหรือสถานที่ในข้อความ:\n{passage}"),
    "uk": ("Стисло перекажи текст:\n\n{passage}", "Яка головна тема цього тексту?\n\n{passage}", "Перелічи людей або місця з тексту:\n{passage}"),
}  # fmt: skip


# "Implement {algo} in {lang}" (technical terms stay English, as people write them).
IMPLEMENT_FOREIGN = {
    "ja": "{lang}で{algo}を実装してください。", "zh": "用{lang}实现{algo}，并解释时间复杂度。", "ko": "{lang}로 {algo}을(를) 구현해 주세요.",
    "de": "Implementiere {algo} in {lang}.", "fr": "Implémente {algo} en {lang}, s'il te plaît.", "es": "Implementa {algo} en {lang}.",
    "pt": "Implemente {algo} em {lang}.", "it": "Implementa {algo} in {lang}.", "ru": "Реализуй {algo} на {lang}.",
    "ar": "اكتب برنامجًا بلغة {lang} ينفذ {algo}.", "hi": "{lang} में {algo} लागू कीजिए।", "vi": "Hãy cài đặt {algo} bằng {lang}.",
    "tr": "{lang} ile {algo} uygula.", "pl": "Zaimplementuj {algo} w {lang}.", "nl": "Implementeer {algo} in {lang}.",
    "id": "Implementasikan {algo} dengan {lang}.", "th": "เขียน {algo} ด้วยภาษา {lang}", "uk": "Реалізуй {algo} мовою {lang}.",
}  # fmt: skip


def implement_foreign(*, seed: int = 13, copies: int = 5) -> Iterator[Row]:
    """Coding requests in other languages that name an algorithm and a programming language."""
    rng = random.Random(seed)
    for language, frame in IMPLEMENT_FOREIGN.items():
        for _ in range(copies):
            text = frame.format(lang=rng.choice(SLOTS["lang"]), algo=rng.choice(SLOTS["algo"]))
            yield Row(text, "coding", language, f"written for lg-router ({language} implement frame)")


def with_passages(paragraphs: dict[str, list[str]], *, seed: int = 11) -> Iterator[Row]:
    """Prompts built around prose paragraphs: extraction and short answers, summaries, translations."""
    rng = random.Random(seed)
    english = paragraphs.get("en", [])
    for i, passage in enumerate(english):
        for task, frames in PASSAGE_EN.items():
            frame = frames[(i + len(task)) % len(frames)]
            text = frame.format(q=rng.choice(QUESTIONS_EN), passage=passage)
            yield Row(text, task, "en", f"written for lg-router (passage frame, {task})")
        if i % 2 == 0:
            text = rng.choice(TRANSLATE_EN).format(target=rng.choice(TARGETS), passage=passage)
            yield Row(text, "general", "en", "written for lg-router (translation frame)")
    for language, (summary, topic, names) in PASSAGE_FOREIGN.items():
        for k, passage in enumerate(paragraphs.get(language, [])[:12]):
            task, frame = (("general", summary), ("simple", topic), ("simple", names))[k % 3]
            yield Row(
                frame.format(passage=passage), task, language, f"written for lg-router ({language} passage)"
            )
