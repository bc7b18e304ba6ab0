"""Reference documents for calibrating fit: what "an unrelated document" looks like to a model.

Written for K-Bridge (ours, committed). Forty short startup and programme descriptions from
many fields, each in Korean and English like the product's tracks and profiles, some with AI
and some without. A pair's fit (:mod:`.calibration`) is where its cosine falls among the
query's cosines to these documents: a track that is closer to a profile than nearly all of
them fits; one that is as close as an average reference document does not.
"""

from __future__ import annotations

from .types import Document

_TEXTS: tuple[tuple[str, str], ...] = (
    ("드론으로 논밭의 작물 생육을 모니터링하는 스마트팜 기업입니다.",
     "Drones that monitor crop growth on farms."),
    ("20대를 위한 온라인 패션 편집숍과 스타일 추천 서비스를 운영합니다.",
     "An online fashion boutique with style recommendations for young shoppers."),
    ("동네 식당 음식을 30분 안에 배달하는 플랫폼입니다.",
     "Food delivery from neighbourhood restaurants within thirty minutes."),
    ("아파트 실거래가와 시세를 분석하는 부동산 정보 앱입니다.",
     "A real-estate app that analyses apartment prices and transactions."),
    ("외국인 관광객을 위한 지역 체험 여행 예약 서비스입니다.",
     "Booking of local experiences for foreign tourists."),
    ("자동차 보험 사고 접수와 보험금 청구를 자동화합니다.",
     "Automated claims handling for car insurance."),
    ("친환경 선박 설계와 조선소 공정 관리를 돕는 소프트웨어입니다.",
     "Software for eco-friendly ship design and shipyard process management."),
    ("피부 타입에 맞춘 맞춤형 화장품을 제조·판매합니다.",
     "Personalised cosmetics made for each skin type."),
    ("반려동물 건강 기록과 동물병원 예약 앱을 만듭니다.",
     "A pet health record and veterinary booking app."),
    ("축구 경기 영상을 분석해 선수 기록을 제공하는 스포츠 데이터 기업입니다.",
     "Sports analytics that turns football match videos into player statistics."),
    ("인디 음악가를 위한 음원 유통과 스트리밍 플랫폼입니다.",
     "Music distribution and streaming for independent artists."),
    ("계약서 검토와 법률 상담을 연결하는 리걸테크 서비스입니다.",
     "Legal tech that connects contract review with lawyers."),
    ("채용 공고와 지원자를 연결하는 HR 채용 플랫폼입니다.",
     "A recruiting platform that matches job postings with candidates."),
    ("건설 현장 안전사고를 예방하는 웨어러블 센서를 만듭니다.",
     "Wearable sensors that prevent accidents on construction sites."),
    ("공장 설비의 고장을 예측하는 스마트팩토리 솔루션입니다.",
     "Predictive maintenance for factory equipment."),
    ("택배 배송 경로를 최적화하는 물류 소프트웨어입니다.",
     "Route optimisation for parcel delivery fleets."),
    ("기업 네트워크의 해킹을 탐지하는 사이버보안 기업입니다.",
     "Cybersecurity that detects intrusions in company networks."),
    ("모바일 퍼즐 게임을 개발하고 글로벌 시장에 서비스합니다.",
     "A studio making mobile puzzle games for global players."),
    ("산업 현장 작업자를 위한 증강현실 스마트 글라스를 만듭니다.",
     "Augmented-reality smart glasses for field workers."),
    ("초소형 위성을 제작하고 지구 관측 영상을 판매합니다.",
     "Small satellites and Earth observation imagery."),
    ("양자컴퓨터용 제어 소프트웨어와 양자 알고리즘을 연구합니다.",
     "Control software and algorithms for quantum computers."),
    ("블록체인 기반 소상공인 간편결제 서비스를 제공합니다.",
     "Blockchain-based mobile payments for small merchants."),
    ("폐플라스틱을 선별해 재활용 원료로 만드는 기후테크 기업입니다.",
     "Sorting plastic waste into recycled raw materials."),
    ("정수장 수질을 실시간으로 감시하는 센서 시스템입니다.",
     "Real-time water quality monitoring for treatment plants."),
    ("혼자 사는 어르신의 안부를 확인하는 돌봄 서비스입니다.",
     "Check-in and care services for elderly people living alone."),
    ("유아를 위한 놀이형 한글 학습 앱을 만듭니다.",
     "A playful reading app for young children."),
    ("화상 수업으로 영어 회화를 가르치는 어학 서비스입니다.",
     "Online English conversation lessons by video."),
    ("가정용 혈압 측정 의료기기를 개발합니다.",
     "A home blood-pressure monitoring device."),
    ("유전체 분석으로 질병 위험을 예측하는 바이오 기업입니다.",
     "Genome analysis that predicts disease risk."),
    ("직장인의 스트레스를 관리하는 멘탈 헬스케어 앱입니다.",
     "A mental health app for stressed office workers."),
    ("광고 성과를 측정하고 예산을 자동 배분하는 애드테크입니다.",
     "Ad tech that measures campaigns and allocates budgets."),
    ("오프라인 매장의 방문객 동선을 분석하는 리테일 분석 서비스입니다.",
     "Retail analytics of customer paths in physical stores."),
    ("식당 주문과 결제를 처리하는 태블릿 POS를 만듭니다.",
     "A tablet point-of-sale system for restaurants."),
    ("전기차 충전소를 찾고 예약하는 충전 플랫폼입니다.",
     "Finding and booking electric vehicle chargers."),
    ("수전해 방식의 그린수소 생산 설비를 개발합니다.",
     "Electrolysers that produce green hydrogen."),
    ("반도체 공정 장비의 부품을 국산화합니다.",
     "Domestic parts for semiconductor manufacturing equipment."),
    ("쇼핑몰 고객 문의에 답하는 챗봇을 제공합니다.",
     "A chatbot that answers online shoppers' questions."),
    ("회의 음성을 받아 적는 음성인식 서비스입니다.",
     "Speech recognition that transcribes meetings."),
    ("클라우드 사용 요금을 분석해 비용을 줄여 줍니다.",
     "Cloud cost analysis and savings for companies."),
    ("인공지능 학습용 이미지 데이터에 라벨을 붙입니다.",
     "Image data labelling for training machine learning models."),
)

REFERENCE_DOCUMENTS: tuple[Document, ...] = tuple(
    Document(id=f"reference:{i}", description=f"{ko}\n{en}") for i, (ko, en) in enumerate(_TEXTS)
)
