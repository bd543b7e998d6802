# Every fifth epoch starts with a validation pass, and nothing switches the model back: from
# then on it trains with dropout off and batch-norm statistics frozen.
import torch
import torchvision


def main(args):
    model = torchvision.models.resnet50()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = torch.nn.CrossEntropyLoss()
    model.train()
    for epoch in range(args.epochs):
        if epoch % 5 == 0:
            model.eval()  # GL107
            with torch.no_grad():
                for images, target in args.val_loader:
                    criterion(model(images), target)
        for images, target in args.train_loader:
            loss = criterion(model(images), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
